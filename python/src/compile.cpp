// compile for Python functions over pytrees. Array leaves of the arguments are the compiled
// function's inputs; every other leaf is a constant of the trace (it must be hashable, and a
// new value traces again). State the function reads and updates in place (model
// parameters, optimizer state: lists, dicts, and objects with a `state` attribute holding
// such trees) is passed as `inputs=` and `outputs=`: its arrays are inputs and outputs of
// the trace, and each call writes the new arrays back into the containers.
#include <unordered_map>

#include "gc_tracked.h"
#include "trees.h"

#include "kiln/compile.h"

using namespace kiln;
using namespace kiln::python;
using namespace pybind11::literals;

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// A hashable description of an argument tree: its containers (by type: a NamedTuple is not
// a tuple), None where an array is, and (type, value) for every other leaf, so that 1, 1.0
// and True (equal in Python, different dtypes in an op) differ. Appends the arrays to
// `arrays`.
py::object structure_key(py::handle tree, std::vector<array>& arrays, int depth = 0) {
  check_tree_depth(depth, "compile");
  if (py::isinstance<array>(tree)) {
    arrays.push_back(py::cast<array>(tree));
    return py::none();
  }
  if (is_tree_node(tree)) {
    py::list parts;
    parts.append(py::type::of(tree));
    if (py::isinstance<py::dict>(tree)) {
      for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
        parts.append(py::make_tuple(item.first, structure_key(item.second, arrays, depth + 1)));
      }
    } else {
      for (auto item : tree) parts.append(structure_key(item, arrays, depth + 1));
    }
    return py::tuple(parts);
  }
  py::object value = py::reinterpret_borrow<py::object>(tree);
  if (py::isinstance<py::float_>(tree)) {
    value = value.attr("hex")();  // -0.0 and nan as themselves
  } else if (PyObject_Hash(tree.ptr()) == -1) {
    PyErr_Clear();
    throw py::type_error("[compile] the arguments of a compiled function must be arrays, trees "
                         "(lists, tuples, dicts) of arrays, or hashable values; got an "
                         "unhashable " + type_name(tree));
  }
  return py::make_tuple(py::type::of(tree), value);
}

// ---- captured state: trees of lists, tuples, dicts and objects with a `state` attribute

bool has_state(py::handle h) {
  return !is_tree_node(h) && !py::isinstance<array>(h) && py::hasattr(h, "state");
}

// Appends the state's arrays; returns its structure (like structure_key, non-array leaves
// ignored).
py::object state_arrays(py::handle tree, std::vector<array>& arrays, int depth = 0) {
  check_tree_depth(depth, "compile");
  if (py::isinstance<array>(tree)) {
    arrays.push_back(py::cast<array>(tree));
    return py::none();
  }
  if (has_state(tree)) return state_arrays(tree.attr("state"), arrays, depth + 1);
  if (!is_tree_node(tree)) return py::str("-");
  py::list parts;
  if (py::isinstance<py::dict>(tree)) {
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      parts.append(py::make_tuple(item.first, state_arrays(item.second, arrays, depth + 1)));
    }
  } else {
    for (auto item : tree) parts.append(state_arrays(item, arrays, depth + 1));
  }
  return py::tuple(parts);
}

// Replaces each array `a` of the state, in place and in the order of state_arrays, by f(a).
void state_map(py::handle tree, const std::function<array(const array&)>& f, int depth = 0) {
  check_tree_depth(depth, "compile");
  if (has_state(tree)) return state_map(tree.attr("state"), f, depth + 1);
  auto set = [&](py::handle leaf, auto assign) {
    if (py::isinstance<array>(leaf)) {
      assign(py::cast(f(py::cast<array>(leaf))));
    } else {
      state_map(leaf, f, depth + 1);
    }
  };
  if (py::isinstance<py::list>(tree)) {
    auto l = py::reinterpret_borrow<py::list>(tree);
    for (size_t i = 0; i < l.size(); ++i) set(l[i], [&](py::object v) { l[i] = v; });
  } else if (py::isinstance<py::dict>(tree)) {
    auto d = py::reinterpret_borrow<py::dict>(tree);
    for (auto item : d) {
      py::object k = py::reinterpret_borrow<py::object>(item.first);
      set(item.second, [&](py::object v) { d[k] = v; });
    }
  } else if (py::isinstance<py::tuple>(tree)) {
    for (auto item : tree) {
      if (py::isinstance<array>(item)) {
        throw py::type_error("[compile] captured state cannot hold an array directly in a tuple "
                             "(it cannot be replaced in place); use a list or a dict");
      }
      state_map(item, f, depth + 1);
    }
  }
}

// Puts values[0], values[1], ... in place of the state's arrays (the order of state_arrays).
void state_fill(py::handle tree, const std::vector<array>& values) {
  size_t pos = 0;
  state_map(tree, [&](const array&) {
    if (pos >= values.size()) {
      throw py::value_error("[compile] the captured state holds more arrays than when the "
                            "function was traced");
    }
    return values[pos++];
  });
}

void check_state(py::handle tree, const char* what) {
  if (tree.is_none()) return;
  if (py::isinstance<array>(tree) || !(is_tree_node(tree) || has_state(tree))) {
    throw py::type_error(std::string("[compile] ") + what + " must be a list, tuple or dict "
                         "(of arrays, or nested ones), or an object with a `state` attribute; "
                         "got a " + type_name(tree));
  }
}

// What a trace recorded about the Python side: the output tree with its arrays replaced,
// and how many of the outputs are the function's (the rest are the captured state's).
struct TraceInfo {
  py::object tree;
  size_t num_outputs;
  size_t num_state;
  ~TraceInfo() {
    if (!Py_IsInitialized()) {
      tree.release();  // the interpreter is gone: nothing to drop
      return;
    }
    py::gil_scoped_acquire gil;
    tree = py::object();
  }
};

class CompiledFunction {
 public:
  CompiledFunction(py::function fun, py::object inputs, py::object outputs, bool shapeless)
      : fun_(std::move(fun)), inputs_(std::move(inputs)), outputs_(std::move(outputs)),
        shapeless_(shapeless) {
    check_state(inputs_, "inputs");
    check_state(outputs_, "outputs");
  }

  py::object call(py::args args, py::kwargs kwargs) {
    if (!compile_enabled()) return fun_(*args, **kwargs);
    // Keyword arguments in name order, so that their order in the call does not matter.
    py::list names = py::reinterpret_steal<py::list>(PySequence_List(kwargs.ptr()));
    names.attr("sort")();
    py::dict kw;
    for (auto name : names) kw[name] = kwargs[name];

    std::vector<array> arrays;
    py::object arg_key = structure_key(args, arrays);
    py::object kw_key = structure_key(kw, arrays);
    size_t num_args = arrays.size();
    py::object state_key = inputs_.is_none() ? py::none() : state_arrays(inputs_, arrays);
    std::vector<array> unused;
    py::object out_key = outputs_.is_none() ? py::none() : state_arrays(outputs_, unused);
    py::tuple key = py::make_tuple(arg_key, kw_key, state_key, out_key);

    detail::CompileCache& cache = cache_for(key);
    auto trace = [&](const std::vector<array>& ph, std::shared_ptr<void>& data) {
      std::vector<array> state_ph(ph.begin() + num_args, ph.end());
      // As in MLX, the function gets the caller's own lists and dicts holding the
      // placeholders (what it changes in them stays visible); the arrays go back after.
      size_t next = 0;
      auto fill = [&](const array&) { return py::cast(ph.at(next++)); };
      py::tuple a = tree_update_arrays(args, fill);
      py::object k = tree_update_arrays(kw, fill);
      std::unordered_map<uintptr_t, array> swapped;  // placeholder -> argument
      for (size_t i = 0; i < num_args; ++i) swapped.emplace(ph[i].id(), arrays[i]);
      std::vector<array> originals(arrays.begin() + num_args, arrays.end());
      if (!inputs_.is_none()) state_fill(inputs_, state_ph);
      auto put_back = [&] {
        tree_put_back(args, swapped);
        tree_put_back(kw, swapped);
        restore(state_ph, originals);
      };
      py::object out;
      std::vector<array> outs, state_out;
      try {
        out = fun_(*a, **py::reinterpret_borrow<py::dict>(k));
        tree_visit(out, [&](py::handle leaf) {
          if (py::isinstance<array>(leaf)) outs.push_back(py::cast<array>(leaf));
        });
        if (!outputs_.is_none()) state_arrays(outputs_, state_out);
      } catch (...) {
        put_back();
        throw;
      }
      put_back();
      // Keep the output tree with a small stand-in for each (traced) array.
      std::vector<py::object> holes(outs.size(), py::cast(array(false)));
      auto info = std::make_shared<TraceInfo>();
      info->tree = tree_replace_leaves(out, holes);
      info->num_outputs = outs.size();
      info->num_state = state_out.size();
      data = info;
      outs.insert(outs.end(), state_out.begin(), state_out.end());
      return outs;
    };
    detail::CompileCache::Result r = cache.call(arrays, trace);
    auto info = std::static_pointer_cast<TraceInfo>(r.data);
    std::vector<array> outs(r.outputs.begin(), r.outputs.begin() + info->num_outputs);
    std::vector<array> state(r.outputs.begin() + info->num_outputs, r.outputs.end());
    if (!outputs_.is_none()) {
      std::vector<array> now;
      state_arrays(outputs_, now);
      if (now.size() != state.size()) {
        throw py::value_error("[compile] the captured outputs hold " + std::to_string(now.size()) +
                              " arrays but held " + std::to_string(state.size()) +
                              " when the function was traced");
      }
      state_fill(outputs_, state);
    }
    return tree_replace_arrays(info->tree, outs);
  }

  size_t num_traces() const {
    size_t n = 0;
    for (auto& c : caches_) n += c->num_traces();
    return n;
  }

  py::object fun_;

 private:
  // Puts the original arrays back in the captured inputs after a trace. When the function
  // grew the state (an optimizer creating its moments on the first step), only the
  // placeholders are replaced: what it added stays, for `outputs` to replace with the
  // computed values (and the next call, seeing more state, traces again).
  void restore(const std::vector<array>& placeholders, const std::vector<array>& originals) {
    if (inputs_.is_none()) return;
    std::vector<array> now;
    state_arrays(inputs_, now);
    if (now.size() == originals.size()) return state_fill(inputs_, originals);
    std::unordered_map<uintptr_t, const array*> back;
    for (size_t i = 0; i < placeholders.size(); ++i) back[placeholders[i].id()] = &originals[i];
    state_map(inputs_, [&](const array& a) {
      auto it = back.find(a.id());
      return it == back.end() ? a : *it->second;
    });
  }

  detail::CompileCache& cache_for(const py::tuple& key) {
    if (keys_.contains(key)) return *caches_[py::cast<size_t>(keys_[key])];
    keys_[key] = caches_.size();
    caches_.push_back(std::make_shared<detail::CompileCache>(shapeless_));
    return *caches_.back();
  }

  py::object inputs_, outputs_;
  bool shapeless_;
  py::dict keys_;  // argument structure -> index into caches_
  std::vector<std::shared_ptr<detail::CompileCache>> caches_;

 public:
  std::vector<py::object*> python_members() { return {&fun_, &inputs_, &outputs_, &keys_}; }
};

}  // namespace

void init_compile(py::module_& m) {
  py::class_<CompiledFunction>(m, "CompiledFunction", py::dynamic_attr(),
                               gc_tracked<CompiledFunction>(),
                               "A function compiled with compile().")
      .def("__call__", &CompiledFunction::call)
      .def("__get__",
           [](py::object self, py::object obj, py::object) -> py::object {
             if (obj.is_none()) return self;
             return py::module_::import("types").attr("MethodType")(self, obj);
           },
           "obj"_a, "objtype"_a = py::none())
      .def_property_readonly("num_traces", &CompiledFunction::num_traces,
                             "How many times the function has been traced (once per new "
                             "input signature).");

  m.def(
      "compile",
      [](py::function fun, py::object inputs, py::object outputs, bool shapeless) {
        py::object c = py::cast(CompiledFunction(fun, inputs, outputs, shapeless));
        for (const char* attr : {"__name__", "__qualname__", "__doc__", "__module__"}) {
          if (py::hasattr(fun, attr)) c.attr(attr) = fun.attr(attr);
        }
        c.attr("__wrapped__") = fun;
        return c;
      },
      "fun"_a, "inputs"_a = py::none(), "outputs"_a = py::none(), "shapeless"_a = false,
      "Returns a compiled version of fun: traced once per input signature (shapes unless "
      "shapeless, dtypes, number of dimensions, tree structure, non-array arguments, default "
      "device), simplified, with elementwise work fused into generated kernels. State the "
      "function reads and updates (parameters, optimizer state) goes in inputs= and "
      "outputs=.");
  m.def("disable_compile", &disable_compile,
        "Makes compiled functions call the original function (as KILN_DISABLE_COMPILE=1 does).");
  m.def("enable_compile", &enable_compile, "Turns compilation back on.");
}
