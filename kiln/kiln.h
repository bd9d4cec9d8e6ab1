// The Kiln C++ API: `#include "kiln/kiln.h"`, namespace kiln.
#pragma once

#include "kiln/allocator.h"
#include "kiln/array.h"
#include "kiln/compile.h"
#include "kiln/device.h"
#include "kiln/dtype.h"
#include "kiln/export.h"
#include "kiln/memory.h"
#include "kiln/ops/ops.h"
#include "kiln/printing.h"
#include "kiln/stream.h"
#include "kiln/thread_stream.h"
#include "kiln/transforms.h"
