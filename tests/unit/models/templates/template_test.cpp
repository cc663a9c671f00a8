// Templates: kainjow's Mustache made strict for config files (nothing
// escaped, a variable with no value is an error, sections stay plain
// Mustache), the view a configuration gives them, and the files `ochopod run
// --template` writes (atomically, with the source's mode, only when changed).
#include "ochopod/template.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "harness/files.h"
#include "harness/temp_dir.h"
#include "models/templates/template_files.h"

namespace ochopod {
namespace {

using nlohmann::json;

// The error render_template() throws, or "" when it renders.
std::string error_of(const std::string& text, const json& view, const std::string& name = "t") {
  try {
    render_template(text, view, name);
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

Cluster three_pods() {
  const json pods = {
      {"c", {{"seq", 3}, {"ip", "10.0.0.3"}, {"public", "1.2.3.3"}, {"ports", {{"8080", 31003}}}}},
      {"a",
       {{"seq", 1},
        {"ip", "10.0.0.1"},
        {"public", "1.2.3.1"},
        {"ports", {{"9000", 32001}, {"8080", 31001}}}}},
      {"b",
       {{"seq", 2},
        {"ip", "10.0.0.2"},
        {"public", "1.2.3.2"},
        {"port", "8080"},
        {"cluster", "web"},
        {"ports", {{"8080", 31002}}}}}};
  const json dependencies = {
      {"db", {{"z", {{"seq", 7}, {"ip", "10.1.0.1"}, {"ports", {{"5432", 5432}}}}}}}};
  return Cluster::from_payload({{"key", "b"}, {"pods", pods}, {"dependencies", dependencies}});
}

TEST(Template, NothingIsEscaped) {
  const json view = {{"x", "a<b>&\"c'"}};
  EXPECT_EQ(render_template("{{x}}|{{{x}}}|{{&x}}|{{ x }}", view),
            "a<b>&\"c'|a<b>&\"c'|a<b>&\"c'|a<b>&\"c'");
}

TEST(Template, AVariableWithNoValueNamesTheTagAndTheTemplate) {
  EXPECT_EQ(error_of("port {{nope}}\n", json::object(), "peers.tmpl"),
            "template peers.tmpl: {{nope}} has no value");
  EXPECT_EQ(error_of("{{{nope}}}", json::object()), "template t: {{nope}} has no value");
  EXPECT_EQ(error_of("{{& self.ip }}", json::object()), "template t: {{self.ip}} has no value");
  EXPECT_EQ(error_of("{{#pods}}{{ip}}{{/pods}}", {{"pods", {{{"uuid", "a"}}}}}),
            "template t: {{ip}} has no value");
  EXPECT_EQ(error_of("{{pods}}", {{"pods", json::array({1})}}),
            "template t: {{pods}} is a list, not a value (a section, {{#...}}, walks it)");
  EXPECT_EQ(error_of("{{self}}", {{"self", {{"ip", "x"}}}}),
            "template t: {{self}} is an object, not a value (a section, {{#...}}, walks it)");
  EXPECT_EQ(error_of("{{>other}}", json::object()),
            "template t: {{>other}}: partials are not supported");
}

TEST(Template, SectionsOnAbsentNamesArePlainMustache) {
  const json view = {{"on", true}, {"off", false}, {"empty", json::array()}};
  EXPECT_EQ(render_template("[{{#nope}}x{{nope}}{{/nope}}][{{^nope}}none{{/nope}}]", view),
            "[][none]");
  EXPECT_EQ(render_template(
                "{{#on}}1{{/on}}{{#off}}2{{/off}}{{^off}}3{{/off}}{{^empty}}4{{/empty}}", view),
            "134");
  // A boolean as a variable says what it is.
  EXPECT_EQ(render_template("{{on}} {{off}}", view), "true false");
}

TEST(Template, ValuesListsDottedNamesAndDelimiters) {
  const json view = {{"n", 5}, {"f", 0.5}, {"list", {"a", "b"}}, {"o", {{"k", {{"v", "deep"}}}}}};
  EXPECT_EQ(render_template("{{n}} {{f}} {{#list}}<{{.}}>{{/list}} {{o.k.v}}", view),
            "5 0.5 <a><b> deep");
  EXPECT_EQ(render_template("{{=<% %>=}}<% n %> {{n}} <%={{ }}=%>{{n}}", view), "5 {{n}} 5");
  EXPECT_EQ(error_of("{{=<% %>=}}<%nope%>", view), "template t: {{nope}} has no value");
  EXPECT_EQ(render_template("{{! a comment }}x", view), "x");
  // Standalone section lines leave no blank lines behind (config files stay tidy).
  EXPECT_EQ(render_template("{{#list}}\n- {{.}}\n{{/list}}\n", view), "- a\n- b\n");
}

TEST(Template, SyntaxErrorsNameTheTemplate) {
  EXPECT_THROW(check_template("{{#a}}open", "x.tmpl"), std::runtime_error);
  try {
    check_template("{{#a}}open", "x.tmpl");
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("template x.tmpl: ")) << e.what();
  }
  EXPECT_THROW(render_template("{{unclosed", json::object()), std::runtime_error);
  EXPECT_NO_THROW(check_template("{{#a}}{{b}}{{/a}}"));
}

TEST(TemplateView, PodsSortedByKeyWithTheirPortsAndSelfAndDependencies) {
  const json view = template_view(three_pods(), {});
  EXPECT_EQ(view["key"], "b");
  EXPECT_EQ(view["index"], 1);
  EXPECT_EQ(view["seq"], 2);
  EXPECT_EQ(view["size"], 3);
  ASSERT_EQ(view["pods"].size(), 3u);
  EXPECT_EQ(
      view["pods"][0],
      json({{"uuid", "a"},
            {"index", 0},
            {"seq", 1},
            {"ip", "10.0.0.1"},
            {"public", "1.2.3.1"},
            {"ports",
             {{{"container", 8080}, {"host", 31001}}, {{"container", 9000}, {"host", 32001}}}},
            {"host_port", {{"8080", 31001}, {"9000", 32001}}}}));
  EXPECT_EQ(view["pods"][2]["uuid"], "c");
  EXPECT_EQ(view["pods"][2]["index"], 2);
  EXPECT_EQ(view["self"], three_pods().pods()["b"]);
  EXPECT_EQ(view["dependencies"]["db"][0]["ip"], "10.1.0.1");
  EXPECT_EQ(view["dependencies"]["db"][0]["ports"][0]["host"], 5432);
  const std::string peers =
      "{{#pods}}\nserver {{index}} {{ip}}:{{#ports}}{{host}} {{/ports}}\n{{/pods}}"
      "db {{#dependencies.db}}{{ip}}{{/dependencies.db}} me {{self.ip}}:{{self.ports.8080}}\n";
  EXPECT_EQ(render_template(peers, three_pods(), {}),
            "server 0 10.0.0.1:31001 32001 \nserver 1 10.0.0.2:31002 \nserver 2 10.0.0.3:31003 \n"
            "db 10.1.0.1 me 10.0.0.2:31002\n");
}

TEST(TemplateView, HostPortPicksOnePortOfAPodWithSeveral) {
  // Every pod registers its control port too, so a server line must pick its port by name.
  const json web = {
      {"p1", {{"seq", 4}, {"ip", "10.2.0.1"}, {"ports", {{"8080", 31080}, {"8000", 31000}}}}},
      {"p2", {{"seq", 9}, {"ip", "10.2.0.2"}, {"ports", {{"8000", 32000}, {"8080", 32080}}}}},
      {"odd", "not a registration"}};
  const Cluster c = Cluster::from_payload(
      {{"key", "b"}, {"pods", three_pods().pods()}, {"dependencies", {{"web", web}}}});
  const json view = template_view(c, {});
  EXPECT_EQ(view["dependencies"]["web"][0]["host_port"], json::object());
  EXPECT_EQ(view["dependencies"]["web"][1]["host_port"], json({{"8000", 31000}, {"8080", 31080}}));
  EXPECT_EQ(view["pods"][0]["host_port"], json({{"8080", 31001}, {"9000", 32001}}));
  const std::string backend =
      "backend web\n"
      "{{#dependencies.web}}\n"
      "    server web{{seq}} {{ip}}:{{host_port.8000}} check\n"
      "{{/dependencies.web}}\n";
  const json servers = {
      {"dependencies",
       {{"web", json::array({view["dependencies"]["web"][1], view["dependencies"]["web"][2]})}}}};
  EXPECT_EQ(render_template(backend, servers),
            "backend web\n"
            "    server web4 10.2.0.1:31000 check\n"
            "    server web9 10.2.0.2:32000 check\n");
  EXPECT_EQ(render_template("{{#pods}}{{host_port.9000}}{{/pods}}",
                            json({{"pods", json::array({view["pods"][0]})}})),
            "32001");
  // A pod without that port is a template error, not an empty address.
  EXPECT_EQ(error_of("{{#pods}}{{host_port.9000}}{{/pods}}", view),
            "template t: {{host_port.9000}} has no value");
}

TEST(TemplateView, PortListsRenderAsBefore) {
  const std::string list =
      "{{#pods}}{{uuid}}:{{#ports}}{{container}}={{host}},{{/ports}};{{/pods}}";
  EXPECT_EQ(render_template(list, three_pods(), {}),
            "a:8080=31001,9000=32001,;b:8080=31002,;c:8080=31003,;");
  const json view = template_view(three_pods(), {});
  EXPECT_EQ(view["pods"][1]["ports"], json::array({{{"container", 8080}, {"host", 31002}}}));
  EXPECT_EQ(view["dependencies"]["db"][0]["ports"],
            json::array({{{"container", 5432}, {"host", 5432}}}));
}

TEST(TemplateView, TheEnvironmentWithoutSecrets) {
  const json view =
      template_view(three_pods(), {{"HOME", "/root"},
                                   {"ochopod_token", "s3cret"},
                                   {"ochopod_token_file", "/run/token"},
                                   {"ochopod_zk", "zk://user:pa@ss@h1:2181,h2:2181/ch"}});
  EXPECT_EQ(view["env"], json({{"HOME", "/root"}, {"ochopod_zk", "zk://h1:2181,h2:2181/ch"}}));
  EXPECT_EQ(template_view(three_pods(), {{"ochopod_zk", "h1:2181/x"}})["env"]["ochopod_zk"],
            "h1:2181/x");
  EXPECT_EQ(error_of("{{env.ochopod_token}}", view),
            "template t: {{env.ochopod_token}} has no value");
}

TEST(TemplateView, APodWithoutARegistrationOfItsOwnHasNoSelf) {
  Cluster c = three_pods();
  c.key = "stranger";
  EXPECT_FALSE(template_view(c, {}).contains("self"));
}

class TemplateFilesTest : public ::testing::Test {
 protected:
  std::string source(const std::string& name, const std::string& text, mode_t mode = 0644) {
    const std::string path = dir.file(name);
    test::write_text(path, text);
    ::chmod(path.c_str(), mode);
    return path;
  }
  static mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  test::TempDir dir;
};

TEST_F(TemplateFilesTest, WritesWithTheSourcesModeOnlyWhatChanged) {
  const std::string a = source("a.tmpl", "size {{size}}\n", 0640);
  const std::string b = source("b.tmpl", "key {{key}}\n", 0755);
  detail::TemplateFiles files({{a, dir.file("a.conf")}, {b, dir.file("b.conf")}});
  Cluster c = three_pods();
  EXPECT_EQ(files.render(template_view(c, {})),
            (std::vector<std::string>{dir.file("a.conf"), dir.file("b.conf")}));
  EXPECT_EQ(test::read_text(dir.file("a.conf")), "size 3\n");
  EXPECT_EQ(mode_of(dir.file("a.conf")), 0640u);
  EXPECT_EQ(mode_of(dir.file("b.conf")), 0755u);
  // Same output: nothing written, even if the file was changed meanwhile.
  test::write_text(dir.file("b.conf"), "edited");
  EXPECT_TRUE(files.render(template_view(c, {})).empty());
  EXPECT_EQ(test::read_text(dir.file("b.conf")), "edited");
  c.size = 4;
  EXPECT_EQ(files.render(template_view(c, {})), std::vector<std::string>{dir.file("a.conf")});
  EXPECT_EQ(test::read_text(dir.file("a.conf")), "size 4\n");
  // No temporary file is left beside them.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    entries += !e.path().empty();
  EXPECT_EQ(entries, 4);
}

TEST_F(TemplateFilesTest, AFailingTemplateWritesNothing) {
  const std::string good = source("good.tmpl", "size {{size}}\n");
  const std::string bad = source("bad.tmpl", "{{#pods}}{{role}}{{/pods}}");
  test::write_text(dir.file("good.conf"), "old good");
  test::write_text(dir.file("bad.conf"), "old bad");
  detail::TemplateFiles files({{good, dir.file("good.conf")}, {bad, dir.file("bad.conf")}});
  try {
    files.render(template_view(three_pods(), {}));
    ADD_FAILURE() << "rendered";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "template " + bad + ": {{role}} has no value");
  }
  EXPECT_EQ(test::read_text(dir.file("good.conf")), "old good");
  EXPECT_EQ(test::read_text(dir.file("bad.conf")), "old bad");
}

TEST_F(TemplateFilesTest, UnusableSourcesAreRefusedUpFront) {
  EXPECT_THROW(detail::TemplateFiles({{dir.file("missing.tmpl"), dir.file("x")}}),
               std::runtime_error);
  EXPECT_THROW(detail::TemplateFiles({{source("open.tmpl", "{{#a}}"), dir.file("x")}}),
               std::runtime_error);
  EXPECT_THROW(detail::TemplateFiles({{dir.path().string(), dir.file("x")}}), std::runtime_error);
}

TEST(TemplateSpec, SplitsAtTheFirstColon) {
  const auto spec = detail::parse_template_spec("a.tmpl:/etc/x:y.conf");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->source, "a.tmpl");
  EXPECT_EQ(spec->destination, "/etc/x:y.conf");
  for (const char* bad : {"", "a", ":b", "a:"})
    EXPECT_FALSE(detail::parse_template_spec(bad)) << bad;
}

}  // namespace
}  // namespace ochopod
