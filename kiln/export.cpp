#include "kiln/export.h"

#include <unordered_map>
#include <utility>

#include "kiln/primitive.h"

namespace kiln {

namespace {

// Text inside a double-quoted dot string.
std::string escaped(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string node_id(char kind, size_t n) {
  std::string id(1, kind);
  id += std::to_string(n);
  return id;
}

class DotWriter {
 public:

  void name(const array& a, const std::string& n) {
    if (!n.empty()) names_[a.id()] = n;
  }

  // Visits the graph depth first without recursion (graphs can be deep), writing each
  // primitive once all its inputs are written, so sources come first.
  std::string write(const std::vector<array>& outputs) {
    text_ += "digraph kiln {\n  node [fontname=\"Helvetica\"];\n";
    struct Item {
      array a;
      bool expanded;
    };
    std::vector<Item> stack;
    for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) stack.push_back({*it, false});
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      const array& a = item.a;
      if (!a.has_primitive()) {
        array_node(a);
        continue;
      }
      const void* p = a.primitive_ptr().get();
      if (prims_.count(p)) continue;
      if (!item.expanded) {
        stack.push_back({a, true});
        const auto& in = a.inputs();
        for (auto it = in.rbegin(); it != in.rend(); ++it) {
          if (!seen(*it)) stack.push_back({*it, false});
        }
        continue;
      }
      primitive_node(a);
    }
    text_ += "}\n";
    return std::move(text_);
  }

 private:
  bool seen(const array& a) const {
    if (a.has_primitive()) return prims_.count(a.primitive_ptr().get()) > 0;
    return arrays_.count(a.id()) > 0;
  }

  const std::string& array_node(const array& a) {
    auto it = arrays_.find(a.id());
    if (it != arrays_.end()) return it->second;
    std::string id = node_id('a', arrays_.size());
    std::string label;
    if (auto n = names_.find(a.id()); n != names_.end()) label = n->second + "\n";
    label += shape_to_string(a.shape()) + " " + dtype_name(a.dtype());
    text_ += "  " + id + " [label=\"" + escaped(label) + "\", shape=ellipse];\n";
    return arrays_.emplace(a.id(), std::move(id)).first->second;
  }

  void primitive_node(const array& a) {
    const void* p = a.primitive_ptr().get();
    std::string id = node_id('p', prims_.size());
    prims_.emplace(p, id);
    text_ += "  " + id + " [label=\"" + escaped(a.primitive().label()) +
           "\", shape=box, style=filled, fillcolor=\"#dde8f4\"];\n";
    for (const array& in : a.inputs()) text_ += "  " + array_node(in) + " -> " + id + ";\n";
    for (const array& out : a.outputs()) text_ += "  " + id + " -> " + array_node(out) + ";\n";
  }

  std::string text_;  // the text written so far
  std::unordered_map<uintptr_t, std::string> names_;
  std::unordered_map<uintptr_t, std::string> arrays_;
  std::unordered_map<const void*, std::string> prims_;
};

}  // namespace

std::string to_dot(const std::vector<array>& outputs, const std::vector<std::string>& names) {
  DotWriter w;
  for (size_t i = 0; i < outputs.size() && i < names.size(); ++i) w.name(outputs[i], names[i]);
  return w.write(outputs);
}

void export_to_dot(std::ostream& os, const std::vector<array>& outputs,
                   const std::vector<std::string>& names) {
  os << to_dot(outputs, names);
}

}  // namespace kiln
