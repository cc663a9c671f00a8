// The mustache module, libochopod-mustache.so (models/templates/backend.h):
// kainjow's renderer, made strict. Loaded by models/templates/template.cpp
// the first time a template is checked or rendered; runs on the caller's
// thread.
//
// kainjow has no strict mode and its context cannot tell a variable lookup
// from a section's: both call get(name). template.cpp rewrote every
// variable tag into an unescaped one whose name starts with kVariableMark;
// our context strips the mark and reports a marked name that resolves to
// nothing, and leaves unmarked (section) names plain Mustache.
#include <kainjow/mustache.hpp>
#include <optional>
#include <string>

#include "models/templates/backend.h"

namespace ochopod::detail {

namespace {

namespace mustache = kainjow::mustache;
using nlohmann::json;

// JSON -> kainjow's data. Numbers render as JSON writes them; null is false.
mustache::data to_data(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      mustache::data object{mustache::data::type::object};
      for (const auto& [key, value] : j.items()) object.set(key, to_data(value));
      return object;
    }
    case json::value_t::array: {
      mustache::data list{mustache::data::type::list};
      for (const auto& item : j) list.push_back(to_data(item));
      return list;
    }
    case json::value_t::string:
      return mustache::data(j.get<std::string>());
    case json::value_t::boolean:
      return mustache::data(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return mustache::data(j.dump());
    default:
      return mustache::data(false);
  }
}

// kainjow's context, plus the strict rule for marked (variable) names. The
// first failure is kept; kainjow renders on (an empty value) and the caller
// throws it afterwards.
class StrictContext final : public mustache::basic_context<std::string> {
 public:
  explicit StrictContext(const mustache::data* root) : inner_(root) {}

  void push(const mustache::data* data) override { inner_.push(data); }
  void pop() override { inner_.pop(); }

  const mustache::data* get(const std::string& name) const override {
    if (name.empty() || name[0] != kVariableMark) return inner_.get(name);
    const std::string tag = "{{" + name.substr(1) + "}}";
    const mustache::data* value = inner_.get(name.substr(1));
    if (value == nullptr) return fail(tag + " has no value");
    if (value->is_string()) return value;
    if (value->is_bool()) return value->is_true() ? &true_ : &false_;
    return fail(tag + " is " + (value->is_list() ? "a list" : "an object") +
                ", not a value (a section, {{#...}}, walks it)");
  }

  const mustache::data* get_partial(const std::string& name) const override {
    return fail("{{>" + name + "}}: partials are not supported");
  }

  const std::string& error() const { return error_; }

 private:
  const mustache::data* fail(const std::string& why) const {
    if (error_.empty()) error_ = why;
    return nullptr;
  }

  mustache::context<std::string> inner_;
  const mustache::data true_{std::string("true")}, false_{std::string("false")};
  mutable std::string error_;
};

// The marked template parsed; nullopt with *error when kainjow refuses it.
std::optional<mustache::mustache> parse(const std::string& marked, std::string* error) {
  mustache::mustache tmpl{marked};
  if (!tmpl.is_valid()) {
    *error = tmpl.error_message();
    return std::nullopt;
  }
  // Config files, not HTML; variables are all unescaped anyway, this covers
  // whatever kainjow might still escape.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl;
}

class KainjowBackend final : public MustacheBackend {
 public:
  bool render(const std::string& marked, const json& view, std::string* out,
              std::string* error) const override {
    auto tmpl = parse(marked, error);
    if (!tmpl) return false;
    const mustache::data data = to_data(view);
    StrictContext context(&data);
    *out = tmpl->render(context);
    if (!context.error().empty()) {
      *error = context.error();
      return false;
    }
    if (!tmpl->is_valid()) {
      *error = tmpl->error_message();
      return false;
    }
    return true;
  }
  bool check(const std::string& marked, std::string* error) const override {
    return parse(marked, error).has_value();
  }
};

}  // namespace

}  // namespace ochopod::detail

extern "C" __attribute__((visibility("default"))) const ochopod::detail::MustacheBackend*
ochopod_mustache_backend_v1(const ochopod::ModuleAbi* abi) {
  static const ochopod::detail::KainjowBackend backend;
  return ochopod::same_build(abi, ochopod::detail::mustache_backend_abi()) ? &backend : nullptr;
}
