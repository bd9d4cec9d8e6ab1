// Function transforms over pytrees: eval and async_eval, grad, value_and_grad, vjp, jvp,
// vmap, custom_function, checkpoint, stop_gradient and depends.
#include <numeric>
#include <unordered_map>

#include "gc_tracked.h"
#include "trees.h"

using namespace kiln;
using namespace kiln::python;
using namespace pybind11::literals;

namespace {

// A reference to a Python object that may be dropped on any thread. Primitives holding user
// callables die wherever their graph is freed, often on a stream's worker thread: without
// the GIL, the interpreter drops the reference later on its own thread.
class PyRef {
 public:
  explicit PyRef(py::object o) : obj_(o.release().ptr()) {}
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef() {
    if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to free
    if (PyGILState_Check()) {
      Py_DECREF(obj_);
    } else {
      Py_AddPendingCall(
          [](void* p) {
            Py_DECREF(static_cast<PyObject*>(p));
            return 0;
          },
          obj_);
    }
  }
  py::object get() const { return py::reinterpret_borrow<py::object>(obj_); }

 private:
  PyObject* obj_;
};
using Ref = std::shared_ptr<PyRef>;
Ref make_ref(py::object o) { return std::make_shared<PyRef>(std::move(o)); }

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// The arrays a transformed function returned: an array or a tree of arrays.
std::vector<array> output_arrays(py::handle out, const std::string& tag) {
  std::vector<array> arrays;
  tree_visit(out, [&](py::handle leaf) {
    if (!py::isinstance<array>(leaf)) {
      throw py::value_error("[" + tag + "] the function must return arrays (or lists, tuples "
                            "and dicts of arrays), got a " + type_name(leaf));
    }
    arrays.push_back(py::cast<array>(leaf));
  });
  return arrays;
}

// A list of arrays from an array or a sequence of array-likes.
std::vector<array> array_list(py::handle obj, const std::string& tag, const char* what) {
  if (py::isinstance<array>(obj)) return {py::cast<array>(obj)};
  if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
    throw py::type_error("[" + tag + "] " + what + " must be a list of arrays, got a " +
                         type_name(obj));
  }
  std::vector<array> out;
  for (auto item : obj) out.push_back(to_array(item));
  return out;
}

// Calls fun(*args) with args given as a tree whose array leaves are replaced by `flat`.
py::object call_with(const py::object& fun, const py::object& args, const py::object& kwargs,
                     const std::vector<array>& flat) {
  py::tuple a = tree_replace_arrays(args, flat);
  return fun(*a, **kwargs);
}

// One argument is passed to the user's rules as itself, several as a tuple.
py::object as_primals(const py::tuple& args) {
  if (args.size() == 1) return args[0];
  return args;
}

// The axes `axes_tree` gives the arrays of `tree` (see tree_axes), made non-negative against
// each array's rank plus `extra` (1 for output axes, which count the mapped axis); -1 for None.
std::vector<int> checked_axes(py::handle tree, py::handle axes_tree,
                              const std::vector<array>& arrays, int extra,
                              const std::string& what) {
  std::vector<std::optional<int>> given = tree_axes(tree, axes_tree, what);
  std::vector<int> axes;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (!given[i]) {
      axes.push_back(-1);
      continue;
    }
    int ax = *given[i], nd = arrays[i].ndim() + extra;
    int a = ax < 0 ? ax + nd : ax;
    if (a < 0 || a >= nd) {
      throw py::value_error(what + " " + std::to_string(ax) + " is out of range for an array "
                            "of shape " + shape_to_string(arrays[i].shape()));
    }
    axes.push_back(a);
  }
  return axes;
}

// A transformed Python function (grad, value_and_grad, vmap, checkpoint): a callable that
// holds the function it wraps where Python's cycle collector sees it.
struct TransformedFunction {
  using Call =
      std::function<py::object(const py::object& fun, const py::args&, const py::kwargs&)>;
  py::object fun;
  Call call;
  std::vector<py::object*> python_members() { return {&fun}; }
};

py::object transformed(py::object fun, TransformedFunction::Call call) {
  return py::cast(TransformedFunction{std::move(fun), std::move(call)});
}

// What vmap's in_axes match: MLX matches a single argument against in_axes itself (so
// `in_axes={"a": 0}` or `[0, 1]` describe the one argument), unless in_axes is a 1-tuple
// (one entry per argument).
py::object single_or_all(const py::args& args, py::handle in_axes) {
  bool one_per_argument = py::isinstance<py::tuple>(in_axes) && py::len(in_axes) == 1;
  if (args.size() == 1 && !one_per_argument) return args[0];
  return args;
}

// ---------------------------------------------------------------- grad

struct DiffArgs {
  std::vector<int> argnums;
  std::vector<std::string> argnames;
};

DiffArgs parse_diff_args(const py::object& argnums, const py::object& argnames,
                         const std::string& tag) {
  DiffArgs d;
  if (py::isinstance<py::str>(argnames)) {
    d.argnames.push_back(py::cast<std::string>(argnames));
  } else {
    for (auto n : argnames) {
      if (!py::isinstance<py::str>(n)) {
        throw py::type_error("[" + tag + "] argnames must be strings, got a " + type_name(n));
      }
      d.argnames.push_back(py::cast<std::string>(n));
    }
  }
  if (argnums.is_none()) {
    if (d.argnames.empty()) d.argnums = {0};
  } else if (py::isinstance<py::int_>(argnums)) {
    d.argnums = {py::cast<int>(argnums)};
  } else {
    for (auto a : argnums) {
      if (!py::isinstance<py::int_>(a)) {
        throw py::type_error("[" + tag + "] argnums must be integers, got a " + type_name(a));
      }
      d.argnums.push_back(py::cast<int>(a));
    }
  }
  if (d.argnums.empty() && d.argnames.empty()) {
    throw py::value_error("[" + tag + "] no argument to differentiate: argnums and argnames "
                          "are both empty");
  }
  for (size_t i = 0; i < d.argnames.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (d.argnames[i] == d.argnames[j]) {
        throw py::value_error("[" + tag + "] argnames repeats '" + d.argnames[i] + "'");
      }
    }
  }
  return d;
}

// The value of a function being differentiated: its loss. MLX's rules: grad's function
// returns a scalar array; value_and_grad's may instead return a tuple whose first entry is
// the scalar array (the other entries, auxiliary values, are any tree).
array loss_of(const py::object& value, const std::string& tag, bool allow_aux) {
  py::object loss = value;
  if (!allow_aux && !py::isinstance<array>(value)) {
    throw py::value_error("[" + tag + "] the function must return a scalar array; it "
                          "returned a " + type_name(value) + " (value_and_grad takes "
                          "auxiliary values in a tuple after the scalar)");
  }
  if (py::isinstance<py::tuple>(value)) {
    if (py::len(value) == 0) {
      throw py::value_error("[" + tag + "] the function returned an empty tuple; it must return "
                            "a scalar array, or a tuple whose first entry is one");
    }
    loss = value[py::int_(0)];
  }
  if (!py::isinstance<array>(loss)) {
    throw py::value_error("[" + tag + "] the function must return a scalar array, or a tuple "
                          "whose first entry is one (the others are auxiliary values); it "
                          "returned a " + type_name(py::isinstance<py::tuple>(value) ? loss : value) +
                          (py::isinstance<py::tuple>(value) ? " as the tuple's first entry" : ""));
  }
  array l = py::cast<array>(loss);
  if (l.size() != 1) {
    throw py::value_error("[" + tag + "] the function must return a scalar to be "
                          "differentiated, but its value has shape " +
                          shape_to_string(l.shape()));
  }
  return l;
}

py::object grad_call(const py::object& fun, const DiffArgs& spec, bool with_value,
                     const std::string& tag, const py::args& args, const py::kwargs& kwargs) {
    int nargs = int(args.size());
    std::vector<int> nums;
    for (int a : spec.argnums) {
      int i = a < 0 ? a + nargs : a;
      if (i < 0 || i >= nargs) {
        throw py::value_error("[" + tag + "] cannot differentiate with respect to argument " +
                              std::to_string(a) + ": the function was called with " +
                              std::to_string(nargs) + " positional arguments");
      }
      for (int j : nums) {
        if (j == i) {
          throw py::value_error("[" + tag + "] argnums names argument " + std::to_string(i) +
                                " twice");
        }
      }
      nums.push_back(i);
    }
    for (auto& name : spec.argnames) {
      if (!kwargs.contains(name)) {
        throw py::value_error("[" + tag + "] cannot differentiate with respect to the keyword "
                              "argument '" + name + "': the function was called without it");
      }
    }
    // The differentiated trees, positional ones first.
    std::vector<py::object> trees;
    std::vector<std::string> labels;
    for (int i : nums) {
      trees.push_back(args[i]);
      labels.push_back("argument " + std::to_string(i));
    }
    for (auto& name : spec.argnames) {
      trees.push_back(kwargs[name.c_str()]);
      labels.push_back("keyword argument '" + name + "'");
    }
    std::vector<array> primals;
    std::vector<size_t> counts;
    for (size_t t = 0; t < trees.size(); ++t) {
      size_t before = primals.size();
      tree_visit(trees[t], [&](py::handle leaf) {
        if (!py::isinstance<array>(leaf)) {
          throw py::value_error("[" + tag + "] " + labels[t] + " holds a " + type_name(leaf) +
                                "; only arrays (or lists, tuples and dicts of arrays) can be "
                                "differentiated");
        }
        array a = py::cast<array>(leaf);
        if (a.dtype() == bool_) {
          throw py::value_error("[" + tag + "] cannot differentiate with respect to " +
                                labels[t] + " of dtype bool: only numeric arrays are "
                                "differentiable");
        }
        primals.push_back(a);
      });
      counts.push_back(primals.size() - before);
    }

    // The trees as they are now: the function may change them (below), the gradients keep
    // this structure.
    std::vector<py::object> skeletons;
    for (auto& t : trees) skeletons.push_back(tree_replace_arrays(t, tree_arrays(t)));

    py::object value;
    auto call = [&](const std::vector<array>& flat) -> std::vector<array> {
      // As in MLX, the function gets the caller's own lists and dicts, holding the tracers:
      // what it changes in them stays visible; the arrays it did not replace are put back.
      py::list new_args(args);
      py::dict new_kwargs;  // a copy: the call's own dict stays as it was
      for (auto item : kwargs) new_kwargs[item.first] = item.second;
      std::unordered_map<uintptr_t, array> swapped;  // tracer -> primal
      for (size_t i = 0; i < flat.size(); ++i) swapped.emplace(flat[i].id(), primals[i]);
      size_t next = 0;
      for (size_t t = 0; t < trees.size(); ++t) {
        py::object r = tree_update_arrays(trees[t], [&](const array&) {
          return py::cast(flat.at(next++));
        });
        if (t < nums.size()) {
          new_args[nums[t]] = r;
        } else {
          new_kwargs[spec.argnames[t - nums.size()].c_str()] = r;
        }
      }
      auto put_back = [&] {
        for (auto& t : trees) tree_put_back(t, swapped);
      };
      try {
        value = fun(*py::tuple(new_args), **new_kwargs);
      } catch (...) {
        put_back();
        throw;
      }
      put_back();
      return {loss_of(value, tag, with_value)};
    };
    std::vector<array> grads;
    if (primals.empty()) {
      call({});
    } else {
      std::vector<int> all(primals.size());
      std::iota(all.begin(), all.end(), 0);
      grads = kiln::value_and_grad(call, all)(primals).second;
    }
    std::vector<py::object> gtrees;
    size_t off = 0;
    for (size_t t = 0; t < trees.size(); ++t) {
      std::vector<array> part(grads.begin() + off, grads.begin() + off + counts[t]);
      off += counts[t];
      gtrees.push_back(tree_replace_arrays(skeletons[t], part));
    }
    py::object positional = py::none();
    if (nums.size() == 1) {
      positional = gtrees[0];
    } else if (nums.size() > 1) {
      py::list l;
      for (size_t t = 0; t < nums.size(); ++t) l.append(gtrees[t]);
      positional = py::tuple(l);
    }
    py::object result = positional;
    if (!spec.argnames.empty()) {
      py::dict kw;
      for (size_t j = 0; j < spec.argnames.size(); ++j) {
        kw[spec.argnames[j].c_str()] = gtrees[nums.size() + j];
      }
      result = py::make_tuple(positional, kw);
    }
    return with_value ? py::object(py::make_tuple(value, result)) : result;
}

// ---------------------------------------------------------------- custom functions

// Calls of a Python function on flat arrays: the positional arguments are a tree whose array
// leaves are the inputs; keyword arguments are constants. The output tree is recorded.
struct TreeCall {
  Ref fun, args, kwargs;
  std::shared_ptr<Ref> out_tree = std::make_shared<Ref>();
  const char* tag;

  std::vector<array> operator()(const std::vector<array>& flat) const {
    py::object out = call_with(fun->get(), args->get(), kwargs->get(), flat);
    std::vector<array> arrays = output_arrays(out, tag);
    if (arrays.empty()) {
      throw py::value_error(std::string("[") + tag + "] the function returned no arrays");
    }
    *out_tree = make_ref(out);
    return arrays;
  }
  py::tuple args_with(const std::vector<array>& flat) const {
    return tree_replace_arrays(args->get(), flat);
  }
  py::object outputs_with(const std::vector<array>& flat) const {
    return tree_replace_arrays((*out_tree)->get(), flat);
  }
};

class CustomFunction {
 public:
  explicit CustomFunction(py::function fun) : fun_(std::move(fun)) {}

  py::object call(py::args args, py::kwargs kwargs) const {
    // The rules as they are now (references the graph may keep, and drop on any thread).
    TreeCall call{make_ref(fun_), make_ref(args), make_ref(kwargs), std::make_shared<Ref>(),
                  "custom_function"};
    std::optional<VjpFunction> v;
    std::optional<JvpFunction> j;
    std::optional<VmapFunction> m;
    if (!vjp_.is_none()) {
      v = [call, rule = make_ref(vjp_)](const std::vector<array>& p, const std::vector<array>& c,
                                        const std::vector<array>& o) {
        py::tuple a = call.args_with(p);
        py::object r = rule->get()(as_primals(a), call.outputs_with(c), call.outputs_with(o));
        return tree_arrays_like(r, a, "[custom_function] the vjp's result");
      };
    }
    if (!jvp_.is_none()) {
      j = [call, rule = make_ref(jvp_)](const std::vector<array>& p, const std::vector<array>& t) {
        py::object r = rule->get()(as_primals(call.args_with(p)), as_primals(call.args_with(t)));
        return tree_arrays_like(r, (*call.out_tree)->get(), "[custom_function] the jvp's result");
      };
    }
    if (!vmap_.is_none()) {
      m = [call, rule = make_ref(vmap_)](const std::vector<array>& in, const std::vector<int>& axes) {
        py::tuple a = call.args_with(in);
        std::vector<py::object> ax;
        for (int x : axes) ax.push_back(x < 0 ? py::none() : py::object(py::int_(x)));
        py::object axes_tree = tree_replace_leaves(call.args->get(), ax);
        py::object r = rule->get()(as_primals(a), as_primals(axes_tree));
        if (!py::isinstance<py::tuple>(r) || py::len(r) != 2) {
          throw py::value_error("[custom_function] the vmap must return (outputs, axes)");
        }
        std::vector<array> outs = output_arrays(r[py::int_(0)], "custom_function");
        std::vector<int> out_axes =
            checked_axes(r[py::int_(0)], r[py::int_(1)], outs, 0, "[custom_function] vmap axis");
        return std::pair{outs, out_axes};
      };
    }
    Function fwd = call;
    std::vector<array> outs = custom_function(fwd, v, j, m)(tree_arrays(args));
    return call.outputs_with(outs);
  }

  std::vector<py::object*> python_members() { return {&fun_, &vjp_, &jvp_, &vmap_}; }

  py::object fun_;
  py::object vjp_ = py::none(), jvp_ = py::none(), vmap_ = py::none();
};

}  // namespace

void init_transforms(py::module_& m) {
  m.def("eval", [](py::args args) {
    std::vector<array> arrays = tree_arrays(args);
    py::gil_scoped_release release;
    eval(std::move(arrays));
  });
  m.def("async_eval", [](py::args args) {
    // A trace's arrays may be placeholders (vmap, compile) or must keep their graphs for
    // the transform (grad): MLX refuses, and so does Kiln.
    if (in_tracing()) {
      throw std::runtime_error("[async_eval] not allowed inside a function transformation "
                               "(grad, vjp, jvp, vmap, compile); use eval");
    }
    std::vector<array> arrays = tree_arrays(args);
    py::gil_scoped_release release;
    async_eval(std::move(arrays));
  });

  m.def(
      "value_and_grad",
      [](py::function fun, py::object argnums, py::object argnames) {
        DiffArgs spec = parse_diff_args(argnums, argnames, "value_and_grad");
        return transformed(fun, [spec](const py::object& f, const py::args& a,
                                       const py::kwargs& k) {
          return grad_call(f, spec, true, "value_and_grad", a, k);
        });
      },
      "fun"_a, "argnums"_a = py::none(), "argnames"_a = py::list(),
      "A function returning fun's value and its gradient with respect to the arguments in "
      "argnums (positional) and argnames (keyword).");
  m.def(
      "grad",
      [](py::function fun, py::object argnums, py::object argnames) {
        DiffArgs spec = parse_diff_args(argnums, argnames, "grad");
        return transformed(fun, [spec](const py::object& f, const py::args& a,
                                       const py::kwargs& k) {
          return grad_call(f, spec, false, "grad", a, k);
        });
      },
      "fun"_a, "argnums"_a = py::none(), "argnames"_a = py::list(),
      "A function returning the gradient of fun (whose value must be a scalar) with respect "
      "to the arguments in argnums and argnames.");

  m.def(
      "vjp",
      [](py::function fun, py::object primals, py::object cotangents) {
        std::vector<array> p = array_list(primals, "vjp", "primals");
        std::vector<array> c = array_list(cotangents, "vjp", "cotangents");
        auto [outs, vjps] = kiln::vjp(
            [&](const std::vector<array>& x) {
              return output_arrays(fun(*py::cast(x)), "vjp");
            },
            p, c);
        return py::make_tuple(py::cast(outs), py::cast(vjps));
      },
      "fun"_a, "primals"_a, "cotangents"_a,
      "The outputs of fun(*primals) and the vector-Jacobian products of the cotangents.");
  m.def(
      "jvp",
      [](py::function fun, py::object primals, py::object tangents) {
        std::vector<array> p = array_list(primals, "jvp", "primals");
        std::vector<array> t = array_list(tangents, "jvp", "tangents");
        auto [outs, jvps] = kiln::jvp(
            [&](const std::vector<array>& x) {
              return output_arrays(fun(*py::cast(x)), "jvp");
            },
            p, t);
        return py::make_tuple(py::cast(outs), py::cast(jvps));
      },
      "fun"_a, "primals"_a, "tangents"_a,
      "The outputs of fun(*primals) and the Jacobian-vector products of the tangents.");

  m.def(
      "vmap",
      [](py::function fun, py::object in_axes, py::object out_axes) {
        Ref in = make_ref(in_axes), out = make_ref(out_axes);
        return transformed(fun, [in, out](const py::object& f, const py::args& args,
                                          const py::kwargs& kwargs) {
          std::vector<array> flat = tree_arrays(args);
          std::vector<int> axes =
              checked_axes(single_or_all(args, in->get()), in->get(), flat, 0, "[vmap] in_axes");
          py::object out_tree;
          auto call = [&](const std::vector<array>& x) {
            out_tree = call_with(f, args, kwargs, x);
            return output_arrays(out_tree, "vmap");
          };
          auto out_fn = [&](const std::vector<array>& outs) {
            return checked_axes(out_tree, out->get(), outs, 1, "[vmap] out_axes");
          };
          return tree_replace_arrays(out_tree, detail::vmap_trace(call, flat, axes, out_fn));
        });
      },
      "fun"_a, "in_axes"_a = 0, "out_axes"_a = 0,
      "Vectorizes fun over the in_axes of its arguments (an int, None, or a tree prefix of "
      "the arguments); the outputs get the mapped axis at out_axes.");

  m.def(
      "checkpoint",
      [](py::function fun) {
        return transformed(fun, [](const py::object& f, const py::args& args,
                                   const py::kwargs& kwargs) {
          TreeCall call{make_ref(f), make_ref(args), make_ref(kwargs), std::make_shared<Ref>(),
                        "checkpoint"};
          std::vector<array> outs = kiln::checkpoint(call)(tree_arrays(args));
          return call.outputs_with(outs);
        });
      },
      "fun"_a,
      "fun, recomputed in the backward pass instead of keeping its intermediates.");

  m.def(
      "stop_gradient", [](const array& a, StreamOrDevice s) { return stop_gradient(a, s); },
      "a"_a, py::kw_only(), "stream"_a = py::none(),
      "The identity, with a zero derivative.");
  m.def(
      "depends",
      [](py::object inputs, py::object dependencies) -> py::object {
        bool single = py::isinstance<array>(inputs);
        std::vector<array> in = array_list(inputs, "depends", "inputs");
        std::vector<array> deps = array_list(dependencies, "depends", "dependencies");
        std::vector<array> out = depends(in, deps);
        if (single) return py::cast(out[0]);
        return py::cast(out);
      },
      "inputs"_a, "dependencies"_a,
      "The inputs, evaluated only after the dependencies.");

  py::class_<TransformedFunction>(m, "TransformedFunction", gc_tracked<TransformedFunction>(),
                                  "A function transformed by grad, value_and_grad, vmap or "
                                  "checkpoint.")
      .def("__call__", [](TransformedFunction& self, py::args args, py::kwargs kwargs) {
        py::object fun = self.fun;  // held while it runs, whatever the collector does
        return self.call(fun, args, kwargs);
      });

  py::class_<CustomFunction>(m, "custom_function", gc_tracked<CustomFunction>(),
                             "A function with user-defined vjp, jvp and vmap rules (set with "
                             "the .vjp, .jvp and .vmap decorators); missing rules fall back to "
                             "transforming the function itself. Keyword arguments are "
                             "constants.")
      .def(py::init<py::function>(), "f"_a)
      .def("__call__", &CustomFunction::call)
      .def("vjp",
           [](py::object self, py::function f) {
             py::cast<CustomFunction&>(self).vjp_ = f;
             return self;
           })
      .def("jvp",
           [](py::object self, py::function f) {
             py::cast<CustomFunction&>(self).jvp_ = f;
             return self;
           })
      .def("vmap", [](py::object self, py::function f) {
        py::cast<CustomFunction&>(self).vmap_ = f;
        return self;
      });
}
