// Exporting graphs. export_to_dot draws the (unevaluated) graph behind some arrays for
// Graphviz, to see what a computation will run: which primitives, in which dtypes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "kiln/array.h"

namespace kiln {

// Writes the graph behind `outputs` as Graphviz dot text. Arrays are ellipses labelled with
// their shape and dtype (and a name, if given); primitives are boxes labelled with
// Primitive::label; edges run from each input to its primitive and from a primitive to each
// of its outputs. Arrays without a primitive (data, evaluated results) are the sources.
// names[i], when present and not empty, names outputs[i].
std::string to_dot(const std::vector<array>& outputs, const std::vector<std::string>& names = {});
// The same text written to a stream.
void export_to_dot(std::ostream& os, const std::vector<array>& outputs,
                   const std::vector<std::string>& names = {});

}  // namespace kiln
