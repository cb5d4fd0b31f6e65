// Audit devices through the request pipeline and sys/audit*, with a fake device type
// ("fake") registered in the test's registry: what Core hands the devices, fail-closed
// refusal, the audit table across seal/unseal, and the sys endpoints.
#include <atomic>
#include <mutex>
#include <set>

#include "core/audit.h"
#include "crypto/hash.h"
#include "engines/sys/sys_test_fixture.h"

namespace coffer::testing {
namespace {

using core::Operation;

// What one fake device at a path received. Survives re-creation of the device (unseal).
struct FakeLog {
  std::mutex mu;
  std::vector<Json> entries;  // {"type", "path", "operation", "error", "accessor", ...}
  std::atomic<bool> fail{false};
  std::atomic<int> created{0};
  std::atomic<int> reloads{0};

  std::vector<Json> Entries() {
    std::lock_guard<std::mutex> l(mu);
    return entries;
  }
  // The entries of `type` ("request"/"response") for `path`.
  std::vector<Json> For(const std::string& type, const std::string& path) {
    std::vector<Json> out;
    for (auto& e : Entries())
      if (e["type"] == type && e["path"] == path) out.push_back(e);
    return out;
  }
};

class FakeDevice final : public core::AuditDevice {
 public:
  FakeDevice(FakeLog* log, std::string salt) : log_(log), salt_(std::move(salt)) {}
  Status LogRequest(const core::AuditInput& in) override { return Record("request", in); }
  Status LogResponse(const core::AuditInput& in) override { return Record("response", in); }
  std::string Hash(std::string_view input) const override {
    return "hmac-sha256:" + crypto::HexEncode(crypto::HmacSha256(salt_, input));
  }
  Status Reload() override {
    ++log_->reloads;
    return Status::Ok();
  }

 private:
  Status Record(const char* type, const core::AuditInput& in) {
    if (log_->fail.load()) return IoError("disk full");
    Json e = {{"type", type},
              {"path", in.request->path},
              {"operation", core::OperationName(in.request->operation)},
              {"client_token", in.request->client_token},
              {"error", in.error},
              {"accessor", in.token ? in.token->accessor : ""},
              {"token_ttl", in.token_ttl},
              {"token_issue_time", in.token_issue_time},
              {"remaining_uses", in.remaining_uses},
              {"has_response", in.response != nullptr}};
    if (in.response) {
      e["data"] = in.response->data;
      if (in.response->auth) e["auth_client_token"] = in.response->auth->client_token;
      if (in.response->wrap_info) e["wrap_token"] = in.response->wrap_info->token;
    }
    std::lock_guard<std::mutex> l(log_->mu);
    log_->entries.push_back(std::move(e));
    return Status::Ok();
  }

  FakeLog* log_;
  std::string salt_;
};

class AuditTest : public DevCoreTest {
 protected:
  void SetUp() override {
    DevCoreTest::SetUp();
    registry_.RegisterAuditDevice(
        "fake",
        [this](const core::AuditDeviceConfig& cfg) -> Result<std::unique_ptr<core::AuditDevice>> {
          if (cfg.options.count("refuse") || refuse_.count(cfg.path))
            return Err(InvalidArgument("file_path: permission denied"));
          if (cfg.salt == nullptr || cfg.salt->size() != 32)
            return Err(Internal("no 32-byte salt"));
          FakeLog& log = logs_[cfg.path];
          ++log.created;
          return std::make_unique<FakeDevice>(&log, cfg.salt->ToString());
        });
  }

  FakeLog& Enable(const std::string& path) {
    Ok(Operation::kUpdate, "sys/audit/" + path, {{"type", "fake"}});
    return logs_[path + "/"];
  }

  std::string HashVia(const std::string& path, const std::string& input) {
    auto r = Ok(Operation::kUpdate, "sys/audit-hash/" + path, {{"input", input}});
    return r.data.value("hash", "");
  }

  std::map<std::string, FakeLog> logs_;  // by device path; node-stable addresses
  std::set<std::string> refuse_;         // device paths whose factory fails
};

TEST_F(AuditTest, NoDeviceRequestsWork) {
  EXPECT_FALSE(core_->Audit().Enabled());
  Ok(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}});
  auto r = Ok(Operation::kRead, "secret/data/a");
  EXPECT_EQ(r.data["data"]["k"], "v");
  auto list = Ok(Operation::kRead, "sys/audit");
  EXPECT_TRUE(list.data.empty());
}

TEST_F(AuditTest, DeviceRecordsRequestAndResponse) {
  FakeLog& log = Enable("fake");
  EXPECT_TRUE(core_->Audit().Enabled());
  Ok(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}});
  Ok(Operation::kRead, "secret/data/a");
  auto root = core_->Tokens().Lookup("root").value();
  ASSERT_TRUE(root.has_value());

  auto reqs = log.For("request", "secret/data/a");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["operation"], "create");  // the existence check decided create
  EXPECT_EQ(reqs[1]["operation"], "read");
  EXPECT_EQ(reqs[0]["accessor"], root->accessor);
  EXPECT_EQ(reqs[0]["client_token"], "root");
  EXPECT_FALSE(reqs[0]["has_response"].get<bool>());
  EXPECT_EQ(reqs[0]["error"], "");

  auto resps = log.For("response", "secret/data/a");
  ASSERT_EQ(resps.size(), 2u);
  EXPECT_TRUE(resps[1]["has_response"].get<bool>());
  EXPECT_EQ(resps[1]["data"]["data"]["k"], "v");  // the device sees the secret (and hashes it)

  // Token fields from the token entry: a limited-use token with a TTL.
  std::string t = NewToken({"root"}, {{"ttl", "1h"}, {"num_uses", 5}});
  Ok(Operation::kRead, "secret/data/a", Json::object(), t);
  auto last = log.For("request", "secret/data/a").back();
  EXPECT_EQ(last["token_ttl"], 3600);
  EXPECT_GT(last["token_issue_time"].get<int64_t>(), 0);
  EXPECT_EQ(last["remaining_uses"], 4);
}

TEST_F(AuditTest, WrappedResponseCarriesWrapInfo) {
  FakeLog& log = Enable("fake");
  Ok(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}});
  core::Request req;
  req.operation = Operation::kRead;
  req.path = "secret/data/a";
  req.client_token = "root";
  req.wrap_ttl = std::chrono::seconds(60);
  auto r = core_->HandleRequest(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->wrap_info.has_value());
  auto resp = log.For("response", "secret/data/a").back();
  EXPECT_EQ(resp["wrap_token"], r->wrap_info->token);
}

TEST_F(AuditTest, LoginResponseCarriesTheNewToken) {
  FakeLog& log = Enable("fake");
  Ok(Operation::kUpdate, "sys/auth/userpass", {{"type", "userpass"}});
  Ok(Operation::kUpdate, "auth/userpass/users/bob", {{"password", "pw"}});
  auto r = Ok(Operation::kUpdate, "auth/userpass/login/bob", {{"password", "pw"}}, "");
  ASSERT_TRUE(r.auth.has_value());
  auto reqs = log.For("request", "auth/userpass/login/bob");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["accessor"], "");
  auto resps = log.For("response", "auth/userpass/login/bob");
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_EQ(resps[0]["auth_client_token"], r.auth->client_token);
}

TEST_F(AuditTest, FailingDeviceRefusesWithInternalErrorAndNoEffect) {
  FakeLog& log = Enable("fake");
  log.fail = true;
  Status st = Fail(Operation::kUpdate, "sys/policies/acl/p", {{"policy", "path \"x\" {}"}});
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_EQ(st.message(), "internal error");
  st = Fail(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}});
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  log.fail = false;
  // Neither write happened.
  EXPECT_EQ(Fail(Operation::kRead, "sys/policies/acl/p").code(), StatusCode::kNotFound);
  EXPECT_EQ(Fail(Operation::kRead, "secret/data/a").code(), StatusCode::kNotFound);
  // Refused requests are refused with 500 too (not 403) when nothing could log them.
  log.fail = true;
  EXPECT_EQ(Fail(Operation::kRead, "secret/data/a", Json::object(), "bogus").code(),
            StatusCode::kInternal);
}

// As Vault, a device must write a test entry before it is enabled: one that cannot is
// refused with 400, is not in the table, and requests keep working.
TEST_F(AuditTest, DeviceThatCannotWriteIsNotEnabled) {
  logs_["dead/"].fail = true;
  Status st = Fail(Operation::kUpdate, "sys/audit/dead", {{"type", "fake"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "audit backend failed test message: disk full");
  auto list = Ok(Operation::kRead, "sys/audit");
  EXPECT_FALSE(list.data.contains("dead/")) << list.data.dump();
  Ok(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}});
  // A working device wrote the test entry (an update of sys/audit/test), then its own enable.
  FakeLog& ok = Enable("ok");
  ASSERT_FALSE(ok.Entries().empty());
  EXPECT_EQ(ok.Entries().front()["path"], "sys/audit/test");
  EXPECT_EQ(ok.Entries().front()["operation"], "update");
}

TEST_F(AuditTest, TwoDevicesOneFailingStillServes) {
  FakeLog& a = Enable("a");
  FakeLog& b = Enable("b");
  a.fail = true;
  Ok(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}});
  EXPECT_EQ(b.For("request", "secret/data/a").size(), 1u);
  EXPECT_EQ(b.For("response", "secret/data/a").size(), 1u);
  EXPECT_TRUE(a.For("request", "secret/data/a").empty());
  b.fail = true;
  EXPECT_EQ(Fail(Operation::kRead, "secret/data/a").code(), StatusCode::kInternal);
}

TEST_F(AuditTest, RefusedRequestsAreAuditedWithTheError) {
  FakeLog& log = Enable("fake");
  std::string t = NewToken({"default"});
  EXPECT_EQ(Fail(Operation::kUpdate, "secret/data/a", {{"data", {{"k", "v"}}}}, t).code(),
            StatusCode::kPermissionDenied);
  auto reqs = log.For("request", "secret/data/a");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["error"], "permission denied");
  EXPECT_FALSE(reqs[0]["accessor"].get<std::string>().empty());
  auto resps = log.For("response", "secret/data/a");
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_EQ(resps[0]["error"], "permission denied");

  // A bad token: audited with its (hashed by the device) client token and the error.
  EXPECT_EQ(Fail(Operation::kRead, "secret/data/b", Json::object(), "bogus").code(),
            StatusCode::kPermissionDenied);
  reqs = log.For("request", "secret/data/b");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["client_token"], "bogus");
  EXPECT_EQ(reqs[0]["accessor"], "");
  EXPECT_EQ(reqs[0]["error"], "permission denied");

  // A path no mount serves: audited with the error too (as Vault, whose router reports it).
  EXPECT_EQ(Fail(Operation::kRead, "nowhere/x").code(), StatusCode::kNotFound);
  resps = log.For("response", "nowhere/x");
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_NE(resps[0]["error"].get<std::string>().find("no handler for route"), std::string::npos);

  // A backend error is in the response entry.
  EXPECT_EQ(Fail(Operation::kRead, "sys/policies/acl/nope").code(), StatusCode::kNotFound);
  resps = log.For("response", "sys/policies/acl/nope");
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_FALSE(resps[0]["has_response"].get<bool>());
}

TEST_F(AuditTest, TableAndSaltSurviveSealUnseal) {
  FakeLog& log = Enable("fake");
  Ok(Operation::kUpdate, "sys/audit/other", {{"type", "fake"}, {"description", "second"}});
  std::string h1 = HashVia("fake", "secret-value");
  std::string h2 = HashVia("other", "secret-value");
  EXPECT_EQ(h1.rfind("hmac-sha256:", 0), 0u);
  EXPECT_NE(h1, h2);  // one salt per device
  SealAndUnseal();
  EXPECT_EQ(log.created, 2);  // built again when the node became active
  auto list = Ok(Operation::kRead, "sys/audit").data;
  ASSERT_TRUE(list.contains("fake/"));
  EXPECT_EQ(list["other/"]["description"], "second");
  EXPECT_EQ(HashVia("fake", "secret-value"), h1);
  EXPECT_EQ(HashVia("other", "secret-value"), h2);
  Ok(Operation::kRead, "sys/mounts");
  EXPECT_EQ(log.For("request", "sys/mounts").size(), 1u);
}

TEST_F(AuditTest, DeviceThatFailsAtLoadIsSkippedUnlessAllFail) {
  FakeLog& a = Enable("a");
  Enable("b");
  refuse_.insert("b/");
  SealAndUnseal();  // b cannot start: logged, a serves
  Ok(Operation::kRead, "sys/mounts");
  EXPECT_EQ(a.For("request", "sys/mounts").size(), 1u);
  auto list = Ok(Operation::kRead, "sys/audit").data;
  EXPECT_TRUE(list.contains("b/"));  // still in the table
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/audit-hash/b", {{"input", "x"}}).code(),
            StatusCode::kInvalidArgument);
  // As Vault: with devices configured and none able to start, the node does not unseal.
  refuse_.insert("a/");
  ASSERT_TRUE(core_->Seal().ok());
  auto st = core_->Unseal(unseal_key_);
  EXPECT_FALSE(st.has_value() && !st->sealed);
  EXPECT_TRUE(core_->Sealed());
  refuse_.clear();
  auto again = core_->Unseal(unseal_key_);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_FALSE(again->sealed);
}

TEST_F(AuditTest, EnableListDisable) {
  Ok(Operation::kUpdate, "sys/audit/fake",
     {{"type", "fake"},
      {"description", "the fake"},
      {"options", {{"file_path", "/tmp/x"}}},
      {"local", true}});
  auto r = Ok(Operation::kRead, "sys/audit");
  EXPECT_TRUE(r.data_at_top_level);
  const Json& e = r.data["fake/"];
  EXPECT_EQ(e["type"], "fake");
  EXPECT_EQ(e["description"], "the fake");
  EXPECT_EQ(e["options"]["file_path"], "/tmp/x");
  EXPECT_EQ(e["local"], true);
  EXPECT_EQ(e["path"], "fake/");
  auto entries = core_->ListAudit();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].accessor.rfind("audit_fake_", 0), 0u);
  EXPECT_FALSE(entries[0].uuid.empty());

  auto in_use = Fail(Operation::kUpdate, "sys/audit/fake", {{"type", "fake"}});
  EXPECT_EQ(in_use.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(in_use.message(), "path already in use");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/audit/fake/sub", {{"type", "fake"}}).message(),
            "path already in use");
  auto unknown = Fail(Operation::kUpdate, "sys/audit/x", {{"type", "nope"}});
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message(), "unknown backend type: \"nope\"");
  auto refused =
      Fail(Operation::kUpdate, "sys/audit/y", {{"type", "fake"}, {"options", {{"refuse", "1"}}}});
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "file_path: permission denied");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/audit/z", Json::object()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(core_->ListAudit().size(), 1u);

  // Disabling an unknown path succeeds (Vault: 204); the device stops at once.
  Ok(Operation::kDelete, "sys/audit/nothing");
  Ok(Operation::kDelete, "sys/audit/fake");
  EXPECT_TRUE(Ok(Operation::kRead, "sys/audit").data.empty());
  EXPECT_FALSE(core_->Audit().Enabled());
  SealAndUnseal();
  EXPECT_TRUE(core_->ListAudit().empty());
}

TEST_F(AuditTest, AuditHash) {
  Enable("fake");
  std::string h = HashVia("fake", "hello");
  EXPECT_EQ(h, core_->AuditHash("fake/", "hello").value());
  EXPECT_EQ(h.size(), std::string("hmac-sha256:").size() + 64);
  auto unknown = Fail(Operation::kUpdate, "sys/audit-hash/nope", {{"input", "x"}});
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
}

TEST_F(AuditTest, ListAndEnableNeedSudo) {
  WritePolicy("auditor",
              "path \"sys/audit\" { capabilities = [\"read\"] }\n"
              "path \"sys/audit/*\" { capabilities = [\"update\", \"create\"] }\n"
              "path \"sys/audit-hash/*\" { capabilities = [\"update\"] }\n");
  std::string t = NewToken({"auditor"});
  EXPECT_EQ(Fail(Operation::kRead, "sys/audit", Json::object(), t).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/audit/fake", {{"type", "fake"}}, t).code(),
            StatusCode::kPermissionDenied);
  Enable("fake");
  Ok(Operation::kUpdate, "sys/audit-hash/fake", {{"input", "x"}}, t);  // no sudo needed
}

TEST_F(AuditTest, ReloadReachesEveryDevice) {
  FakeLog& a = Enable("a");
  FakeLog& b = Enable("b");
  EXPECT_TRUE(core_->ReloadAudit().ok());
  EXPECT_EQ(a.reloads, 1);
  EXPECT_EQ(b.reloads, 1);
}

}  // namespace
}  // namespace coffer::testing
