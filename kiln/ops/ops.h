// Every op family.
#pragma once

#include "kiln/ops/binary.h"
#include "kiln/ops/concat.h"
#include "kiln/ops/custom_kernel.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/einsum.h"
#include "kiln/ops/indexing.h"
#include "kiln/ops/matmul.h"
#include "kiln/ops/pad.h"
#include "kiln/ops/random.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/scan.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/ops/softmax.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/upcast.h"
