// Kiln from C++: lazy arrays, a few ops, a matmul, and the memory counters.
#include <iostream>

#include "kiln/kiln.h"

using namespace kiln;

int main() {
  array x = arange(0.0, 6.0, 1.0, float32);
  array y = reshape(x, {2, 3});
  // Nothing has been computed yet: z is a node of the graph.
  array z = add(multiply(exp(y), array(2.0f)), array(1.0f));
  eval({z});
  std::cout << "z[1, 2] = " << z.data<float>()[5] << " (shape " << shape_to_string(z.shape())
            << ", " << dtype_name(z.dtype()) << ")\n";
  std::cout << "active memory: " << get_active_memory() << " bytes, peak "
            << get_peak_memory() << " bytes\n";
  return 0;
}
