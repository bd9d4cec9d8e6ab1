#include "kiln/primitives/scan.h"

#include <ostream>

namespace kiln {

const char* Scan::name() const {
  switch (op_) {
    case Sum: return "CumSum";
    case Prod: return "CumProd";
    case Max: return "CumMax";
    case Min: return "CumMin";
    case LogAddExp: return "CumLogSumExp";
  }
  return "Scan";
}

void Scan::print(std::ostream& os) const {
  os << name() << "(axis=" << axis_ << ", reverse=" << reverse_ << ", inclusive=" << inclusive_
     << ")";
}

bool Scan::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scan*>(&other);
  return o && o->op_ == op_ && o->axis_ == axis_ && o->reverse_ == reverse_ &&
         o->inclusive_ == inclusive_;
}

std::vector<Shape> Scan::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

}  // namespace kiln
