#include "kiln/ops/reduce_axes.h"

#include <numeric>
#include <stdexcept>
#include <string>

namespace kiln::detail {

std::vector<int> all_axes(const array& a) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

Shape keep_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape out = shape;
  for (int ax : axes) out[ax] = 1;
  return out;
}

Shape drop_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape out;
  for (int i = 0, j = 0; i < int(shape.size()); ++i) {
    if (j < int(axes.size()) && axes[j] == i) {
      ++j;
    } else {
      out.push_back(shape[i]);
    }
  }
  return out;
}

void check_nonempty(const array& a, const std::vector<int>& axes, const char* name) {
  for (int ax : axes) {
    if (a.shape()[ax] == 0) {
      throw std::invalid_argument(std::string("[") + name + "] cannot reduce axis " +
                                  std::to_string(ax) + " of size 0 (array of shape " +
                                  shape_to_string(a.shape()) + ")");
    }
  }
}

}  // namespace kiln::detail
