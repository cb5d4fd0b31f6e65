#pragma once
// Test harness for CLI commands: a fake Vault (a FakeServer with a few endpoints and an
// in-memory KV v2 mount at secret/ and a KV v1 mount at kv1/), a temporary HOME, and
// CliTest::Run, which runs `coffer ARGS...` with captured stdin/stdout/stderr.
//
// Response wrapping: a request outside secret/ (whose KV fake answers wrapped requests
// itself) that carries X-Vault-Wrap-TTL and succeeds with a body is answered with a
// wrap_info instead (tokens "hvs.wrap-1", "hvs.wrap-2", ...), and PUT/POST
// sys/wrapping/unwrap hands the stored response back once, by the body's "token" or else
// the X-Vault-Token header, as Vault does.
//
// Audit devices: PUT sys/audit/<path> enables (400 when the path is taken), DELETE
// disables (204 whether or not enabled), GET sys/audit lists them as Vault's server does.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "api/testing/fake_server.h"
#include "base/json.h"

namespace coffer::cli {

class FakeVault {
 public:
  FakeVault();
  std::string address() const { return server_->address(); }
  std::vector<api::testing::FakeRequest> requests() const { return server_->requests(); }
  void ClearRequests() { server_->ClearRequests(); }
  // The last request for method and path (e.g. "PUT", "/v1/secret/data/foo").
  std::optional<api::testing::FakeRequest> Last(const std::string& method,
                                                const std::string& path) const;
  void SetSealed(bool sealed);
  // Makes every request for path (e.g. "/v1/sys/step-down") fail with status and message.
  void FailPath(const std::string& path, int status, const std::string& message);
  // The bytes GET sys/storage/raft/snapshot serves; a restore (POST snapshot or
  // snapshot-force) replaces them.
  void SetSnapshot(std::string bytes);
  std::string snapshot();
  // Stores a wrapped response (status and body) that sys/wrapping/unwrap returns for token.
  void AddWrapped(const std::string& token, int status, const Json& body);

 private:
  api::testing::FakeReply Handle(const api::testing::FakeRequest& req);
  // Handle's answer before response wrapping; mu_ held.
  api::testing::FakeReply HandleLocked(const api::testing::FakeRequest& req);
  // Wraps a successful reply in a new wrapping token when the request asked for it.
  api::testing::FakeReply MaybeWrap(const api::testing::FakeRequest& req,
                                    api::testing::FakeReply reply);
  api::testing::FakeReply HandleUnwrap(const api::testing::FakeRequest& req);
  // sys/leases/renew|lookup|revoke|revoke-prefix/*|revoke-force/*; nullopt for other paths.
  std::optional<api::testing::FakeReply> HandleLeases(const api::testing::FakeRequest& req);
  api::testing::FakeReply HandleKv(const api::testing::FakeRequest& req, const std::string& p);
  // sys/audit and sys/audit/<path> (cli_test_fake_audit.cc); nullopt for other paths.
  std::optional<api::testing::FakeReply> HandleAudit(const api::testing::FakeRequest& req);
  // sys/storage/raft/*, sys/step-down, sys/ha-status; nullopt for other paths.
  std::optional<api::testing::FakeReply> HandleRaft(const api::testing::FakeRequest& req);

  std::mutex mu_;
  bool sealed_ = false;
  std::map<std::string, Json> kv2_;  // key → data
  std::map<std::string, int> versions_;
  std::map<std::string, Json> kv1_;
  std::map<std::string, std::string> policies_;
  std::map<std::string, Json> audits_;  // "file/" → the sys/audit listing entry
  std::map<std::string, std::pair<int, std::string>> failures_;  // path → status, message
  std::string snapshot_;
  std::map<std::string, std::pair<int, Json>> wrapped_;  // wrapping token → status, body
  int wrap_count_ = 0;
  std::unique_ptr<api::testing::FakeServer> server_;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs the CLI; out_ and err_ hold what it printed.
  int Run(std::vector<std::string> args, const std::string& stdin_text = "");
  Json OutJson() const;  // out_ parsed as JSON (null when it is not)

  FakeVault vault_;
  std::string home_;
  std::string out_, err_;
};

}  // namespace coffer::cli
