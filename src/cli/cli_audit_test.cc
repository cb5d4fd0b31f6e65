// Tests of `coffer audit enable | disable | list` against the fake Vault: the request each
// sends, what it prints, and its exit codes, as Vault's command/audit_*.go.

#include <string>

#include "cli/cli_test_util.h"

namespace coffer::cli {
namespace {

class CliAuditTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    setenv("COFFER_TOKEN", "hvs.root", 1);
  }
  void TearDown() override {
    unsetenv("COFFER_TOKEN");
    CliTest::TearDown();
  }
  Json LastBody(const std::string& method, const std::string& path) {
    std::optional<api::testing::FakeRequest> r = vault_.Last(method, path);
    if (!r) return Json("no such request");
    return r->body.empty() ? Json() : Json::parse(r->body, nullptr, false);
  }
  // A file device at file/ and a local socket device at net/.
  void EnableTwo() {
    ASSERT_EQ(Run({"audit", "enable", "-description=main log", "file", "file_path=/var/log/a.log"}),
              0)
        << err_;
    ASSERT_EQ(Run({"audit", "enable", "-path=net", "-local", "socket", "address=127.0.0.1:9090",
                   "socket_type=tcp"}),
              0)
        << err_;
  }
};

TEST_F(CliAuditTest, EnableSendsTypeDescriptionOptionsAndLocal) {
  ASSERT_EQ(Run({"audit", "enable", "file", "file_path=/var/log/a.log"}), 0) << err_;
  EXPECT_EQ(LastBody("PUT", "/v1/sys/audit/file/"),
            (Json{{"type", "file"},
                  {"description", ""},
                  {"options", {{"file_path", "/var/log/a.log"}}},
                  {"local", false}}));
  EXPECT_EQ(out_, "Success! Enabled the file audit device at: file/\n");
  EXPECT_EQ(err_, "");

  ASSERT_EQ(Run({"audit", "enable", "-path=audit/net", "-description", "to the SIEM", "-local",
                 " socket ", "address=10.0.0.5:9090", "socket_type=tcp"}),
            0)
      << err_;
  EXPECT_EQ(LastBody("PUT", "/v1/sys/audit/audit/net/"),
            (Json{{"type", "socket"},
                  {"description", "to the SIEM"},
                  {"options", {{"address", "10.0.0.5:9090"}, {"socket_type", "tcp"}}},
                  {"local", true}}));
  EXPECT_EQ(out_, "Success! Enabled the socket audit device at: audit/net/\n");

  // No options: an empty object, never null. A trailing slash in -path is kept once.
  ASSERT_EQ(Run({"audit", "enable", "-path=sys2/", "syslog"}), 0) << err_;
  EXPECT_EQ(
      LastBody("PUT", "/v1/sys/audit/sys2/"),
      (Json{
          {"type", "syslog"}, {"description", ""}, {"options", Json::object()}, {"local", false}}));
  EXPECT_EQ(out_, "Success! Enabled the syslog audit device at: sys2/\n");
}

TEST_F(CliAuditTest, EnableOptionsFromStdinJsonBecomeStrings) {
  // Vault's parseArgsDataString: WeakDecode turns numbers and bools into strings.
  ASSERT_EQ(Run({"audit", "enable", "-path=f2", "file", "-"},
                "{\"file_path\": \"stdout\", \"mode\": 384, \"log_raw\": true}"),
            0)
      << err_;
  EXPECT_EQ(LastBody("PUT", "/v1/sys/audit/f2/")["options"],
            (Json{{"file_path", "stdout"}, {"mode", "384"}, {"log_raw", "1"}}));
}

TEST_F(CliAuditTest, EnableErrors) {
  EXPECT_EQ(Run({"audit", "enable"}), 1);
  EXPECT_EQ(err_,
            "Error enabling audit device: audit type missing. Valid types include 'file', "
            "'socket' and 'syslog'.\n");
  EXPECT_EQ(Run({"audit", "enable", "file", "file_path"}), 1);
  EXPECT_EQ(err_, "Failed to parse K=V data: format must be key=value\n");
  EXPECT_EQ(Run({"audit", "enable", "file", "prefix=a", "prefix=b"}), 1);  // a list
  EXPECT_EQ(err_.rfind("Failed to parse K=V data: failed to convert values to strings", 0), 0u)
      << err_;
  EXPECT_EQ(Run({"audit", "enable", "-nope", "file"}), 1);
  EXPECT_EQ(out_, "");
  EXPECT_TRUE(vault_.requests().empty());

  ASSERT_EQ(Run({"audit", "enable", "file", "file_path=stdout"}), 0);
  EXPECT_EQ(Run({"audit", "enable", "file", "file_path=stdout"}), 2);
  EXPECT_EQ(err_, "Error enabling audit device: Error making API request.\n\nURL: PUT " +
                      vault_.address() +
                      "/v1/sys/audit/file/\nCode: 400. Errors:\n\n* path already in use\n");
  EXPECT_EQ(out_, "");
  EXPECT_EQ(Run({"audit", "enable", "kafka"}), 2);
  EXPECT_NE(err_.find("* unknown backend type: \"kafka\""), std::string::npos) << err_;
}

TEST_F(CliAuditTest, DisableSendsDeleteForTheSanitizedPath) {
  EnableTwo();
  ASSERT_EQ(Run({"audit", "disable", " /net// "}), 0) << err_;
  EXPECT_TRUE(vault_.Last("DELETE", "/v1/sys/audit/net/").has_value());
  EXPECT_EQ(out_, "Success! Disabled audit device (if it was enabled) at: net/\n");
  ASSERT_EQ(Run({"audit", "disable", "file"}), 0);
  EXPECT_EQ(out_, "Success! Disabled audit device (if it was enabled) at: file/\n");
  ASSERT_EQ(Run({"audit", "list"}), 0);
  EXPECT_EQ(out_, "No audit devices are enabled.\n");
  // Not enabled: the same success, as Vault's server answers 204 either way.
  ASSERT_EQ(Run({"audit", "disable", "file/"}), 0);

  vault_.ClearRequests();
  EXPECT_EQ(Run({"audit", "disable"}), 1);
  EXPECT_EQ(err_, "Not enough arguments (expected 1, got 0)\n");
  EXPECT_EQ(Run({"audit", "disable", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 1, got 2)\n");
  EXPECT_TRUE(vault_.requests().empty());
  vault_.FailPath("/v1/sys/audit/file/", 403, "permission denied");
  EXPECT_EQ(Run({"audit", "disable", "file"}), 2);
  EXPECT_EQ(err_, "Error disabling audit device: Error making API request.\n\nURL: DELETE " +
                      vault_.address() +
                      "/v1/sys/audit/file/\nCode: 403. Errors:\n\n* permission denied\n");
}

TEST_F(CliAuditTest, ListWhenNoneIsEnabledSaysSoAndExitsZero) {
  ASSERT_EQ(Run({"audit", "list"}), 0) << err_;
  EXPECT_TRUE(vault_.Last("GET", "/v1/sys/audit").has_value());
  EXPECT_EQ(out_, "No audit devices are enabled.\n");
  EXPECT_EQ(err_, "");
  ASSERT_EQ(Run({"audit", "list", "-format=json", "-detailed"}), 0);  // in every format
  EXPECT_EQ(out_, "No audit devices are enabled.\n");
}

TEST_F(CliAuditTest, ListTables) {
  EnableTwo();
  ASSERT_EQ(Run({"audit", "list"}), 0) << err_;
  EXPECT_EQ(out_,
            "Path     Type      Description\n"
            "----     ----      -----------\n"
            "file/    file      main log\n"
            "net/     socket    n/a\n");
  ASSERT_EQ(Run({"audit", "list", "-detailed"}), 0) << err_;
  EXPECT_EQ(out_,
            "Path     Type      Description    Replication    Options\n"
            "----     ----      -----------    -----------    -------\n"
            "file/    file      main log       replicated     file_path=/var/log/a.log\n"
            "net/     socket    n/a            local          address=127.0.0.1:9090 "
            "socket_type=tcp\n");
}

TEST_F(CliAuditTest, ListJsonIsTheMapOfDevices) {
  EnableTwo();
  ASSERT_EQ(Run({"audit", "list", "-format=json"}), 0) << err_;
  EXPECT_EQ(OutJson(), (Json{{"file/",
                              {{"type", "file"},
                               {"description", "main log"},
                               {"options", {{"file_path", "/var/log/a.log"}}},
                               {"local", false},
                               {"path", "file/"}}},
                             {"net/",
                              {{"type", "socket"},
                               {"description", ""},
                               {"options", {{"address", "127.0.0.1:9090"}, {"socket_type", "tcp"}}},
                               {"local", true},
                               {"path", "net/"}}}}));
  setenv("VAULT_FORMAT", "yaml", 1);
  ASSERT_EQ(Run({"audit", "list"}), 0) << err_;
  unsetenv("VAULT_FORMAT");
  EXPECT_NE(out_.find("file/:\n"), std::string::npos) << out_;
}

TEST_F(CliAuditTest, ListErrors) {
  EXPECT_EQ(Run({"audit", "list", "extra"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 0, got 1)\n");
  EXPECT_EQ(Run({"audit", "list", "-format=xml"}), 1);
  EXPECT_TRUE(vault_.requests().empty());
  vault_.FailPath("/v1/sys/audit", 403, "permission denied");
  EXPECT_EQ(Run({"audit", "list"}), 2);
  EXPECT_EQ(err_, "Error listing audits: Error making API request.\n\nURL: GET " +
                      vault_.address() +
                      "/v1/sys/audit\nCode: 403. Errors:\n\n* permission denied\n");
  EXPECT_EQ(out_, "");
  unsetenv("COFFER_TOKEN");  // the fake refuses requests without the root token
  EXPECT_EQ(Run({"audit", "enable", "file"}), 2);
  EXPECT_NE(err_.find("* permission denied"), std::string::npos) << err_;
}

TEST_F(CliAuditTest, Help) {
  EXPECT_EQ(Run({"audit", "-h"}), 0);
  EXPECT_NE(out_.find("    disable    Disables an audit device\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("    enable     Enables an audit device\n"), std::string::npos);
  EXPECT_NE(out_.find("    list       Lists enabled audit devices\n"), std::string::npos);
  EXPECT_EQ(Run({"-h"}), 0);
  EXPECT_NE(out_.find("    audit "), std::string::npos);
  EXPECT_NE(out_.find("Interact with audit devices"), std::string::npos);
  EXPECT_EQ(Run({"audit", "enable", "-h"}), 0);
  EXPECT_NE(out_.find("Usage: coffer audit enable [options] TYPE [CONFIG K=V...]"),
            std::string::npos);
  EXPECT_NE(out_.find("-local"), std::string::npos);
  EXPECT_NE(out_.find("-description"), std::string::npos);
  EXPECT_EQ(Run({"audit", "list", "-h"}), 0);
  EXPECT_NE(out_.find("-detailed"), std::string::npos);
  EXPECT_NE(out_.find("-format"), std::string::npos);
  EXPECT_EQ(Run({"audit", "disable", "--help"}), 0);
  EXPECT_NE(out_.find("Usage: coffer audit disable [options] PATH"), std::string::npos);
  EXPECT_TRUE(vault_.requests().empty());
}

}  // namespace
}  // namespace coffer::cli
