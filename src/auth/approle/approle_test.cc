#include "auth/approle/approle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "crypto/fake_random.h"
#include "storage/inmem/inmem.h"

namespace coffer::auth::approle {
namespace {

using core::Operation;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class FakeSystemView final : public core::SystemView {
 public:
  std::chrono::seconds DefaultLeaseTtl() const override { return hours(768); }
  std::chrono::seconds MaxLeaseTtl() const override { return hours(768); }
};

class ApproleTest : public ::testing::Test {
 protected:
  void SetUp() override { backend_ = NewBackend(); }

  std::unique_ptr<core::Backend> NewBackend() {
    core::BackendConfig config;
    config.mount_path = "auth/approle/";
    config.type = "approle";
    config.storage = &storage_;
    config.clock = &clock_;
    config.random = &random_;
    config.system = &system_;
    auto b = Factory(config);
    EXPECT_TRUE(b.has_value()) << b.error().ToString();
    return b ? std::move(*b) : nullptr;
  }

  Result<core::Response> Do(Operation op, const std::string& path, Json data = Json::object(),
                            const std::string& remote_addr = "127.0.0.1") {
    core::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(data);
    req.storage = &storage_;
    req.remote_addr = remote_addr;
    return backend_->HandleRequest(req);
  }

  void MustDo(Operation op, const std::string& path, Json data = Json::object()) {
    auto r = Do(op, path, std::move(data));
    ASSERT_TRUE(r.has_value()) << path << ": " << r.error().ToString();
  }

  std::string RoleId(const std::string& role) {
    auto r = Do(Operation::kRead, "role/" + role + "/role-id");
    EXPECT_TRUE(r.has_value());
    return r ? r->data["role_id"].get<std::string>() : "";
  }

  // Generates a secret ID; returns the response data.
  Json NewSecretId(const std::string& role, Json data = Json::object()) {
    auto r = Do(Operation::kUpdate, "role/" + role + "/secret-id", std::move(data));
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? r->data : Json();
  }

  Result<core::Response> Login(const std::string& role_id, const std::string& secret_id,
                               const std::string& remote_addr = "127.0.0.1") {
    Json data = {{"role_id", role_id}};
    if (!secret_id.empty()) data["secret_id"] = secret_id;
    return Do(Operation::kUpdate, "login", std::move(data), remote_addr);
  }

  Result<core::Response> Renew(const core::Auth& auth) {
    core::Request req;
    req.operation = Operation::kUpdate;
    req.path = "login";
    req.storage = &storage_;
    req.data = {{"internal", auth.internal_data}};
    return backend_->RenewLease(req);
  }

  static void ExpectError(const Result<core::Response>& r, StatusCode code,
                          const std::string& message) {
    ASSERT_FALSE(r.has_value()) << "expected: " << message;
    EXPECT_EQ(r.error().code(), code);
    EXPECT_EQ(r.error().message(), message);
  }

  // Every key and value in the mount's storage, for "never stored in plaintext" checks.
  std::string DumpStorage(const std::string& prefix = "") {
    std::string out;
    auto keys = storage_.List(prefix);
    for (const auto& k : *keys) {
      if (!k.empty() && k.back() == '/') {
        out += DumpStorage(prefix + k);
        continue;
      }
      auto v = storage_.Get(prefix + k);
      out += prefix + k + "=" + (v && *v ? **v : "") + "\n";
    }
    return out;
  }

  FakeClock clock_;
  crypto::SeededRandom random_{42};
  FakeSystemView system_;
  storage::InmemBackend storage_;
  std::unique_ptr<core::Backend> backend_;
};

TEST_F(ApproleTest, BackendShape) {
  EXPECT_EQ(backend_->Kind(), core::BackendKind::kCredential);
  EXPECT_EQ(backend_->GetSpecialPaths().unauthenticated, std::vector<std::string>({"login"}));
}

TEST_F(ApproleTest, RoleCreateReadListDelete) {
  MustDo(Operation::kCreate, "role/MyRole",
         {{"token_policies", "b,A"},
          {"token_ttl", "10m"},
          {"secret_id_num_uses", 3},
          {"secret_id_ttl", "1h"}});
  auto r = Do(Operation::kRead, "role/myrole");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data["bind_secret_id"], true);
  EXPECT_EQ(r->data["secret_id_num_uses"], 3);
  EXPECT_EQ(r->data["secret_id_ttl"], 3600);
  EXPECT_EQ(r->data["secret_id_bound_cidrs"], Json::array());
  EXPECT_EQ(r->data["local_secret_ids"], false);
  EXPECT_EQ(r->data["token_policies"], Json({"a", "b"}));
  EXPECT_EQ(r->data["token_ttl"], 600);
  EXPECT_EQ(r->data["token_type"], "default");
  EXPECT_FALSE(r->data.contains("policies"));  // legacy keys only when set
  EXPECT_FALSE(r->data.contains("period"));
  EXPECT_FALSE(r->data.contains("role_id"));
  EXPECT_FALSE(r->data.contains("hmac_key"));
  EXPECT_EQ(Do(Operation::kRead, "role/MYROLE")->data, r->data);  // names are case-insensitive

  MustDo(Operation::kCreate, "role/other", {{"policies", "p1"}, {"period", "1h"}});
  auto list = Do(Operation::kList, "role/");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->data["keys"], Json({"myrole", "other"}));
  auto other = Do(Operation::kRead, "role/other");
  EXPECT_EQ(other->data["policies"], Json({"p1"}));
  EXPECT_EQ(other->data["token_policies"], Json({"p1"}));
  EXPECT_EQ(other->data["period"], 3600);
  EXPECT_EQ(other->data["token_period"], 3600);

  MustDo(Operation::kDelete, "role/MyRole");
  EXPECT_EQ(Do(Operation::kRead, "role/myrole").error().code(), StatusCode::kNotFound);
  MustDo(Operation::kDelete, "role/never-existed");  // 204, as Vault
}

TEST_F(ApproleTest, RoleValidationErrors) {
  ExpectError(Do(Operation::kCreate, "role/r", {{"bind_secret_id", false}}),
              StatusCode::kInvalidArgument,
              "at least one constraint should be enabled on the role");
  EXPECT_EQ(Do(Operation::kRead, "role/r").error().code(), StatusCode::kNotFound);
  EXPECT_FALSE(Do(Operation::kCreate, "role/r", {{"secret_id_bound_cidrs", "nope"}}).has_value());
  ExpectError(Do(Operation::kCreate, "role/r", {{"secret_id_num_uses", -1}}),
              StatusCode::kInvalidArgument, "secret_id_num_uses cannot be negative");
  ExpectError(Do(Operation::kCreate, "role/r", {{"token_ttl", "2h"}, {"token_max_ttl", "1h"}}),
              StatusCode::kInvalidArgument, "'token_ttl' cannot be greater than 'token_max_ttl'");
  ExpectError(Do(Operation::kCreate, "role/r", {{"role_name", ""}, {"token_type", "bogus"}}),
              StatusCode::kInvalidArgument, "invalid 'token_type' value \"bogus\"");

  MustDo(Operation::kCreate, "role/r", {{"local_secret_ids", true}});
  EXPECT_EQ(Do(Operation::kRead, "role/r")->data["local_secret_ids"], true);
  ExpectError(Do(Operation::kUpdate, "role/r", {{"local_secret_ids", false}}),
              StatusCode::kInvalidArgument,
              "local_secret_ids can only be modified during role creation");
  // A CIDR binding is a constraint too; dropping the last one is refused.
  MustDo(Operation::kUpdate, "role/r",
         {{"bind_secret_id", false}, {"secret_id_bound_cidrs", "10.0.0.0/8"}});
  ExpectError(Do(Operation::kUpdate, "role/r", {{"secret_id_bound_cidrs", ""}}),
              StatusCode::kInvalidArgument,
              "at least one constraint should be enabled on the role");
  // The legacy bound_cidr_list sets secret_id_bound_cidrs.
  MustDo(Operation::kUpdate, "role/r", {{"bound_cidr_list", "192.168.0.0/16"}});
  EXPECT_EQ(Do(Operation::kRead, "role/r")->data["secret_id_bound_cidrs"],
            Json({"192.168.0.0/16"}));
}

TEST_F(ApproleTest, RoleIdGeneratedCustomAndUnique) {
  MustDo(Operation::kCreate, "role/a");
  const std::string generated = RoleId("a");
  EXPECT_EQ(generated.size(), 36u);
  EXPECT_EQ(generated[14], '4');  // a version 4 UUID

  MustDo(Operation::kCreate, "role/b", {{"role_id", "custom-b"}});
  EXPECT_EQ(RoleId("b"), "custom-b");
  ExpectError(Do(Operation::kUpdate, "role/a/role-id", {{"role_id", "custom-b"}}),
              StatusCode::kInvalidArgument, "role_id already in use");
  ExpectError(Do(Operation::kCreate, "role/c", {{"role_id", "custom-b"}}),
              StatusCode::kInvalidArgument, "role_id already in use");
  ExpectError(Do(Operation::kUpdate, "role/a/role-id", Json::object()),
              StatusCode::kInvalidArgument, "missing role_id");
  EXPECT_EQ(Do(Operation::kUpdate, "role/zz/role-id", {{"role_id", "x"}}).error().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Do(Operation::kRead, "role/zz/role-id").error().code(), StatusCode::kNotFound);

  // Changing the role ID: the old one no longer logs in, and becomes free for others.
  const std::string secret = NewSecretId("a")["secret_id"];
  EXPECT_TRUE(Login(generated, secret).has_value());
  MustDo(Operation::kUpdate, "role/a/role-id", {{"role_id", "custom-a"}});
  ExpectError(Login(generated, secret), StatusCode::kInvalidArgument, "invalid role or secret ID");
  EXPECT_TRUE(Login("custom-a", secret).has_value());
  MustDo(Operation::kUpdate, "role/b/role-id", {{"role_id", generated}});
  EXPECT_EQ(RoleId("b"), generated);
}

TEST_F(ApproleTest, SecretIdGenerateLookupListDestroy) {
  MustDo(Operation::kCreate, "role/app", {{"secret_id_ttl", "10m"}, {"secret_id_num_uses", 5}});
  Json s = NewSecretId(
      "app",
      {{"metadata", R"({"tag1": "production"})"}, {"cidr_list", "10.0.0.0/8"}, {"num_uses", 2}});
  const std::string secret = s["secret_id"];
  const std::string accessor = s["secret_id_accessor"];
  EXPECT_EQ(secret.size(), 36u);
  EXPECT_EQ(accessor.size(), 36u);
  EXPECT_EQ(s["secret_id_ttl"], 600);
  EXPECT_EQ(s["secret_id_num_uses"], 2);

  // The secret ID is stored nowhere in plaintext; the accessor's index key is salted.
  EXPECT_EQ(DumpStorage().find(secret), std::string::npos);
  auto accessor_keys = storage_.List("accessor/");
  ASSERT_TRUE(accessor_keys.has_value());
  ASSERT_EQ(accessor_keys->size(), 1u);
  EXPECT_EQ(accessor_keys->front().find(accessor), std::string::npos);

  auto lookup = Do(Operation::kUpdate, "role/app/secret-id/lookup", {{"secret_id", secret}});
  ASSERT_TRUE(lookup.has_value()) << lookup.error().ToString();
  EXPECT_EQ(lookup->data["secret_id_accessor"], accessor);
  EXPECT_EQ(lookup->data["metadata"], Json({{"tag1", "production"}}));
  EXPECT_EQ(lookup->data["cidr_list"], Json({"10.0.0.0/8"}));
  EXPECT_EQ(lookup->data["token_bound_cidrs"], Json::array());
  EXPECT_EQ(lookup->data["secret_id_num_uses"], 2);
  EXPECT_EQ(lookup->data["secret_id_ttl"], 600);
  EXPECT_EQ(lookup->data["creation_time"], FormatTime(clock_.Now()));
  EXPECT_EQ(lookup->data["expiration_time"], FormatTime(clock_.Now() + minutes(10)));

  auto by_accessor = Do(Operation::kUpdate, "role/app/secret-id-accessor/lookup",
                        {{"secret_id_accessor", accessor}});
  ASSERT_TRUE(by_accessor.has_value());
  EXPECT_EQ(by_accessor->data, lookup->data);

  const std::string second = NewSecretId("app")["secret_id_accessor"];
  auto list = Do(Operation::kList, "role/app/secret-id");
  ASSERT_TRUE(list.has_value());
  std::vector<std::string> keys = list->data["keys"];
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> want = {accessor, second};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(keys, want);

  MustDo(Operation::kUpdate, "role/app/secret-id/destroy", {{"secret_id", secret}});
  // An unknown secret ID looks up as an empty success (Vault's 204).
  auto gone = Do(Operation::kUpdate, "role/app/secret-id/lookup", {{"secret_id", secret}});
  ASSERT_TRUE(gone.has_value());
  EXPECT_TRUE(gone->data.is_null());
  ExpectError(Do(Operation::kUpdate, "role/app/secret-id-accessor/lookup",
                 {{"secret_id_accessor", accessor}}),
              StatusCode::kNotFound,
              "failed to find accessor entry for secret_id_accessor: \"" + accessor + "\"");
  EXPECT_EQ(Do(Operation::kList, "role/app/secret-id")->data["keys"], Json({second}));
  ExpectError(Login(RoleId("app"), secret, "10.1.1.1"), StatusCode::kInvalidArgument,
              "invalid role or secret ID");

  ExpectError(Do(Operation::kUpdate, "role/app/secret-id/lookup", Json::object()),
              StatusCode::kInvalidArgument, "missing secret_id");
  ExpectError(Do(Operation::kUpdate, "role/nope/secret-id", Json::object()),
              StatusCode::kInvalidArgument, "role \"nope\" does not exist");
  ExpectError(Do(Operation::kUpdate, "role/app/secret-id", {{"metadata", "{not json"}}),
              StatusCode::kInvalidArgument, "failed to parse metadata: invalid JSON object");
}

TEST_F(ApproleTest, SecretIdAccessorDestroyAndOtherRoles) {
  MustDo(Operation::kCreate, "role/a");
  MustDo(Operation::kCreate, "role/b");
  Json s = NewSecretId("a");
  const std::string accessor = s["secret_id_accessor"];
  // Role b cannot see or destroy role a's secret ID through its accessor.
  EXPECT_EQ(
      Do(Operation::kUpdate, "role/b/secret-id-accessor/lookup", {{"secret_id_accessor", accessor}})
          .error()
          .code(),
      StatusCode::kNotFound);
  EXPECT_EQ(Do(Operation::kUpdate, "role/b/secret-id-accessor/destroy",
               {{"secret_id_accessor", accessor}})
                .error()
                .code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(Login(RoleId("a"), s["secret_id"]).has_value());
  MustDo(Operation::kUpdate, "role/a/secret-id-accessor/destroy",
         {{"secret_id_accessor", accessor}});
  ExpectError(Login(RoleId("a"), s["secret_id"]), StatusCode::kInvalidArgument,
              "invalid role or secret ID");
  EXPECT_EQ(DumpStorage().find("accessor/"), std::string::npos);
  ExpectError(Do(Operation::kUpdate, "role/a/secret-id-accessor/destroy", Json::object()),
              StatusCode::kInvalidArgument, "missing secret_id_accessor");
}

TEST_F(ApproleTest, CustomSecretId) {
  MustDo(Operation::kCreate, "role/push", {{"secret_id_ttl", "10m"}});
  auto r = Do(Operation::kUpdate, "role/push/custom-secret-id",
              {{"secret_id", "my-own-secret"}, {"ttl", 300}, {"num_uses", 4}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data["secret_id"], "my-own-secret");
  EXPECT_EQ(r->data["secret_id_ttl"], 300);
  EXPECT_EQ(r->data["secret_id_num_uses"], 4);
  EXPECT_EQ(DumpStorage().find("my-own-secret"), std::string::npos);
  EXPECT_TRUE(Login(RoleId("push"), "my-own-secret").has_value());
  ExpectError(
      Do(Operation::kUpdate, "role/push/custom-secret-id", {{"secret_id", "my-own-secret"}}),
      StatusCode::kInvalidArgument, "SecretID is already registered");
  ExpectError(Do(Operation::kUpdate, "role/push/custom-secret-id", Json::object()),
              StatusCode::kInvalidArgument, "missing secret_id");
}

TEST_F(ApproleTest, SecretIdCannotWidenTheRolesLimits) {
  MustDo(Operation::kCreate, "role/r",
         {{"secret_id_ttl", "10m"},
          {"secret_id_num_uses", 3},
          {"secret_id_bound_cidrs", "10.0.0.0/8"},
          {"token_bound_cidrs", "10.0.0.0/8"}});
  ExpectError(Do(Operation::kUpdate, "role/r/secret-id", {{"num_uses", 4}}),
              StatusCode::kInvalidArgument,
              "num_uses cannot be higher than the role's secret_id_num_uses");
  ExpectError(Do(Operation::kUpdate, "role/r/secret-id", {{"num_uses", 0}}),
              StatusCode::kInvalidArgument,
              "num_uses cannot be higher than the role's secret_id_num_uses");
  ExpectError(Do(Operation::kUpdate, "role/r/secret-id", {{"num_uses", -1}}),
              StatusCode::kInvalidArgument, "num_uses cannot be negative");
  ExpectError(Do(Operation::kUpdate, "role/r/secret-id", {{"ttl", "11m"}}),
              StatusCode::kInvalidArgument, "ttl cannot be longer than the role's secret_id_ttl");
  EXPECT_FALSE(
      Do(Operation::kUpdate, "role/r/secret-id", {{"cidr_list", "192.168.0.0/16"}}).has_value());
  EXPECT_FALSE(
      Do(Operation::kUpdate, "role/r/secret-id", {{"cidr_list", "10.0.0.0/7"}}).has_value());
  EXPECT_FALSE(
      Do(Operation::kUpdate, "role/r/secret-id", {{"token_bound_cidrs", "11.0.0.1"}}).has_value());
  Json ok = NewSecretId("r", {{"num_uses", 2},
                              {"ttl", "5m"},
                              {"cidr_list", "10.1.0.0/16"},
                              {"token_bound_cidrs", "10.2.3.4"}});
  EXPECT_EQ(ok["secret_id_num_uses"], 2);
  EXPECT_EQ(ok["secret_id_ttl"], 300);
  // Without num_uses/ttl the role's values apply.
  Json dflt = NewSecretId("r");
  EXPECT_EQ(dflt["secret_id_num_uses"], 3);
  EXPECT_EQ(dflt["secret_id_ttl"], 600);
}

TEST_F(ApproleTest, LoginIssuesAuth) {
  MustDo(Operation::kCreate, "role/web",
         {{"token_policies", "dev,ops"},
          {"token_ttl", "10m"},
          {"token_max_ttl", "1h"},
          {"token_num_uses", 7},
          {"token_bound_cidrs", "10.0.0.0/8"}});
  Json s = NewSecretId("web", {{"metadata", R"({"env": "prod"})"}});
  auto r = Login(RoleId("web"), s["secret_id"]);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->auth.has_value());
  const core::Auth& auth = *r->auth;
  EXPECT_EQ(auth.policies, std::vector<std::string>({"dev", "ops"}));
  EXPECT_EQ(auth.token_policies, std::vector<std::string>({"dev", "ops"}));
  EXPECT_EQ(auth.ttl, minutes(10));
  EXPECT_EQ(auth.max_ttl, hours(1));
  EXPECT_EQ(auth.num_uses, 7);
  EXPECT_TRUE(auth.renewable);
  EXPECT_EQ(auth.token_type, core::TokenType::kService);
  EXPECT_EQ(auth.metadata,
            (std::map<std::string, std::string>{{"env", "prod"}, {"role_name", "web"}}));
  EXPECT_EQ(auth.internal_data["role_name"], "web");
  EXPECT_EQ(auth.internal_data["role_id"], RoleId("web"));
  EXPECT_EQ(auth.internal_data["alias_name"], RoleId("web"));
  EXPECT_EQ(auth.internal_data["secret_id_accessor"], s["secret_id_accessor"]);
  EXPECT_EQ(auth.internal_data["token_bound_cidrs"], Json({"10.0.0.0/8"}));
  EXPECT_TRUE(auth.client_token.empty());  // the token store mints it

  // A secret ID's token_bound_cidrs override the role's.
  Json narrow = NewSecretId("web", {{"token_bound_cidrs", "10.9.0.0/16"}});
  auto r2 = Login(RoleId("web"), narrow["secret_id"]);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->auth->internal_data["token_bound_cidrs"], Json({"10.9.0.0/16"}));
  // Surrounding whitespace is ignored, as Vault trims both credentials.
  EXPECT_TRUE(
      Login(" " + RoleId("web") + "\n", " " + s["secret_id"].get<std::string>() + " ").has_value());
}

TEST_F(ApproleTest, LoginFailures) {
  MustDo(Operation::kCreate, "role/a");
  MustDo(Operation::kCreate, "role/b");
  const std::string secret_a = NewSecretId("a")["secret_id"];
  const std::string secret_b = NewSecretId("b")["secret_id"];
  ExpectError(Login("", secret_a), StatusCode::kInvalidArgument, "missing role_id");
  ExpectError(Login(RoleId("a"), ""), StatusCode::kInvalidArgument, "missing secret_id");
  ExpectError(Login("no-such-role-id", secret_a), StatusCode::kInvalidArgument,
              "invalid role or secret ID");
  ExpectError(Login(RoleId("a"), "wrong-secret"), StatusCode::kInvalidArgument,
              "invalid role or secret ID");
  // A secret ID of another role is no good.
  ExpectError(Login(RoleId("a"), secret_b), StatusCode::kInvalidArgument,
              "invalid role or secret ID");
  auto bad = Login(RoleId("a"), "wrong-secret");
  EXPECT_EQ(bad.error().message().find("wrong-secret"), std::string::npos);
  EXPECT_TRUE(Login(RoleId("a"), secret_a).has_value());
}

TEST_F(ApproleTest, NumUsesExhaustion) {
  MustDo(Operation::kCreate, "role/r", {{"secret_id_num_uses", 3}});
  const std::string secret = NewSecretId("r")["secret_id"];
  const std::string role_id = RoleId("r");
  for (int i = 0; i < 3; ++i) {
    auto r = Login(role_id, secret);
    ASSERT_TRUE(r.has_value()) << "login " << i << ": " << r.error().ToString();
    if (i < 2) {
      auto lookup = Do(Operation::kUpdate, "role/r/secret-id/lookup", {{"secret_id", secret}});
      EXPECT_EQ(lookup->data["secret_id_num_uses"], 2 - i);
    }
  }
  ExpectError(Login(role_id, secret), StatusCode::kInvalidArgument, "invalid role or secret ID");
  // The last use removed the secret ID and its accessor.
  EXPECT_EQ(Do(Operation::kList, "role/r/secret-id")->data["keys"], Json::array());
  EXPECT_EQ(DumpStorage().find("accessor/"), std::string::npos);
}

TEST_F(ApproleTest, ConcurrentLoginsNeverExceedNumUses) {
  MustDo(Operation::kCreate, "role/r", {{"secret_id_num_uses", 5}});
  const std::string secret = NewSecretId("r")["secret_id"];
  const std::string role_id = RoleId("r");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 4; ++i)
        if (Login(role_id, secret).has_value()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 5);
}

TEST_F(ApproleTest, SecretIdTtlExpiresWithTheClock) {
  MustDo(Operation::kCreate, "role/r", {{"secret_id_ttl", "60s"}});
  const std::string secret = NewSecretId("r")["secret_id"];
  const std::string role_id = RoleId("r");
  clock_.Advance(seconds(59));
  EXPECT_TRUE(Login(role_id, secret).has_value());
  clock_.Advance(seconds(2));
  ExpectError(Login(role_id, secret), StatusCode::kInvalidArgument, "invalid role or secret ID");
  // A secret ID without a TTL does not expire.
  MustDo(Operation::kUpdate, "role/r/secret-id-ttl", {{"secret_id_ttl", 0}});
  const std::string forever = NewSecretId("r")["secret_id"];
  clock_.Advance(hours(24 * 365));
  EXPECT_TRUE(Login(role_id, forever).has_value());
}

TEST_F(ApproleTest, BoundCidrsAllowAndRefuse) {
  MustDo(Operation::kCreate, "role/r", {{"secret_id_bound_cidrs", "10.0.0.0/8,fd00::/8"}});
  const std::string role_id = RoleId("r");
  const std::string secret = NewSecretId("r")["secret_id"];
  EXPECT_TRUE(Login(role_id, secret, "10.1.2.3:5555").has_value());
  EXPECT_TRUE(Login(role_id, secret, "[fd00::1]:443").has_value());
  ExpectError(Login(role_id, secret, "192.168.1.1:5555"), StatusCode::kInvalidArgument,
              "source address \"192.168.1.1:5555\" unauthorized by CIDR restrictions on the role");

  // A secret ID's cidr_list narrows further; a refused login does not spend a use.
  Json narrow = NewSecretId("r", {{"cidr_list", "10.1.0.0/16"}, {"num_uses", 1}});
  ExpectError(Login(role_id, narrow["secret_id"], "10.2.0.1"), StatusCode::kInvalidArgument,
              "source address \"10.2.0.1\" unauthorized by CIDR restrictions on the secret ID");
  ExpectError(Login(role_id, narrow["secret_id"], "172.16.0.1"), StatusCode::kInvalidArgument,
              "source address \"172.16.0.1\" unauthorized by CIDR restrictions on the role");
  EXPECT_TRUE(Login(role_id, narrow["secret_id"], "10.1.9.9").has_value());
  EXPECT_FALSE(Login(role_id, narrow["secret_id"], "10.1.9.9").has_value());
}

TEST_F(ApproleTest, BindSecretIdFalseLogsInWithRoleIdFromBoundCidr) {
  MustDo(Operation::kCreate, "role/ci",
         {{"bind_secret_id", false},
          {"secret_id_bound_cidrs", "127.0.0.1/32"},
          {"token_policies", "ci"}});
  auto r = Login(RoleId("ci"), "");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->auth->policies, std::vector<std::string>({"ci"}));
  EXPECT_EQ(r->auth->metadata, (std::map<std::string, std::string>{{"role_name", "ci"}}));
  EXPECT_FALSE(r->auth->internal_data.contains("secret_id_accessor"));
  EXPECT_FALSE(Login(RoleId("ci"), "", "127.0.0.2").has_value());
  ExpectError(Do(Operation::kUpdate, "role/ci/secret-id"), StatusCode::kInvalidArgument,
              "bind_secret_id is not set on the role");
  // Binding the secret ID again makes it required.
  MustDo(Operation::kUpdate, "role/ci/bind-secret-id", {{"bind_secret_id", true}});
  ExpectError(Login(RoleId("ci"), ""), StatusCode::kInvalidArgument, "missing secret_id");
}

TEST_F(ApproleTest, TidyRemovesExpiredAndDangling) {
  MustDo(Operation::kCreate, "role/r");
  Json short_lived = NewSecretId("r", {{"ttl", 60}});
  Json long_lived = NewSecretId("r");
  ASSERT_TRUE(storage_.Put("accessor/0123dangling", R"({"secret_id_hmac":"x"})").ok());
  clock_.Advance(seconds(120));
  auto r = Do(Operation::kUpdate, "tidy/secret-id");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data["secret_ids_deleted"], 1);
  EXPECT_EQ(r->data["accessors_deleted"], 2);  // the expired one's and the dangling one
  EXPECT_EQ(Do(Operation::kList, "role/r/secret-id")->data["keys"],
            Json({long_lived["secret_id_accessor"]}));
  EXPECT_EQ(storage_.List("accessor/")->size(), 1u);
  EXPECT_TRUE(Login(RoleId("r"), long_lived["secret_id"]).has_value());
  // Nothing left to do.
  auto again = Do(Operation::kUpdate, "tidy/secret-id");
  EXPECT_EQ(again->data["secret_ids_deleted"], 0);
  EXPECT_EQ(again->data["accessors_deleted"], 0);
}

TEST_F(ApproleTest, RenewAppliesRoleSettingsAndFailsForDeletedRole) {
  MustDo(Operation::kCreate, "role/r", {{"token_policies", "dev"}, {"token_ttl", "5m"}});
  auto login = Login(RoleId("r"), NewSecretId("r")["secret_id"]);
  ASSERT_TRUE(login.has_value());
  const core::Auth auth = *login->auth;

  MustDo(Operation::kUpdate, "role/r/token-ttl", {{"token_ttl", "20m"}});
  MustDo(Operation::kUpdate, "role/r/token-max-ttl", {{"token_max_ttl", "1h"}});
  auto renewed = Renew(auth);
  ASSERT_TRUE(renewed.has_value()) << renewed.error().ToString();
  EXPECT_EQ(renewed->auth->ttl, minutes(20));
  EXPECT_EQ(renewed->auth->max_ttl, hours(1));
  EXPECT_EQ(renewed->auth->policies, std::vector<std::string>({"dev"}));

  // A new role ID ends renewals of tokens issued under the old one.
  MustDo(Operation::kUpdate, "role/r/role-id", {{"role_id", "rotated"}});
  EXPECT_FALSE(Renew(auth).has_value());

  MustDo(Operation::kDelete, "role/r");
  ExpectError(Renew(auth), StatusCode::kInvalidArgument,
              "role \"r\" does not exist during renewal");
}

TEST_F(ApproleTest, DeletingARoleRemovesItsSecretIds) {
  MustDo(Operation::kCreate, "role/r");
  const std::string secret = NewSecretId("r")["secret_id"];
  NewSecretId("r");
  MustDo(Operation::kDelete, "role/r");
  EXPECT_EQ(DumpStorage().find("secret_id/"), std::string::npos);
  EXPECT_EQ(DumpStorage().find("accessor/"), std::string::npos);
  EXPECT_EQ(DumpStorage().find("role_id/"), std::string::npos);
  MustDo(Operation::kCreate, "role/r");
  ExpectError(Login(RoleId("r"), secret), StatusCode::kInvalidArgument,
              "invalid role or secret ID");
}

TEST_F(ApproleTest, PerFieldPaths) {
  MustDo(Operation::kCreate, "role/r");
  MustDo(Operation::kUpdate, "role/r/secret-id-ttl", {{"secret_id_ttl", "2h"}});
  EXPECT_EQ(Do(Operation::kRead, "role/r/secret-id-ttl")->data, Json({{"secret_id_ttl", 7200}}));
  MustDo(Operation::kDelete, "role/r/secret-id-ttl");
  EXPECT_EQ(Do(Operation::kRead, "role/r")->data["secret_id_ttl"], 0);

  MustDo(Operation::kUpdate, "role/r/policies", {{"token_policies", "B,a"}});
  EXPECT_EQ(Do(Operation::kRead, "role/r/policies")->data,
            Json({{"policies", {"a", "b"}}, {"token_policies", {"a", "b"}}}));
  MustDo(Operation::kUpdate, "role/r/secret-id-num-uses", {{"secret_id_num_uses", 9}});
  EXPECT_EQ(Do(Operation::kRead, "role/r")->data["secret_id_num_uses"], 9);
  ExpectError(Do(Operation::kUpdate, "role/r/secret-id-num-uses", {{"secret_id_num_uses", -2}}),
              StatusCode::kInvalidArgument, "secret_id_num_uses cannot be negative");
  ExpectError(Do(Operation::kUpdate, "role/r/secret-id-num-uses", Json::object()),
              StatusCode::kInvalidArgument, "missing secret_id_num_uses");
  MustDo(Operation::kUpdate, "role/r/period", {{"period", "30m"}});
  EXPECT_EQ(Do(Operation::kRead, "role/r")->data["token_period"], 1800);
  EXPECT_EQ(Do(Operation::kRead, "role/r")->data["period"], 1800);
  MustDo(Operation::kUpdate, "role/r/token-max-ttl", {{"token_max_ttl", "1h"}});
  ExpectError(Do(Operation::kUpdate, "role/r/token-ttl", {{"token_ttl", "2h"}}),
              StatusCode::kInvalidArgument, "token_ttl should not be greater than token_max_ttl");
  MustDo(Operation::kUpdate, "role/r/secret-id-bound-cidrs",
         {{"secret_id_bound_cidrs", "10.0.0.0/8"}});
  EXPECT_EQ(Do(Operation::kRead, "role/r/bound-cidr-list")->data,
            Json({{"bound_cidr_list", {"10.0.0.0/8"}}}));
  MustDo(Operation::kUpdate, "role/r/bind-secret-id", {{"bind_secret_id", false}});
  // Removing the last constraint is refused; resetting bind_secret_id restores the default.
  ExpectError(Do(Operation::kDelete, "role/r/secret-id-bound-cidrs"), StatusCode::kInvalidArgument,
              "at least one constraint should be enabled on the role");
  MustDo(Operation::kDelete, "role/r/bind-secret-id");
  EXPECT_EQ(Do(Operation::kRead, "role/r/bind-secret-id")->data, Json({{"bind_secret_id", true}}));
  EXPECT_EQ(Do(Operation::kRead, "role/r/local-secret-ids")->data,
            Json({{"local_secret_ids", false}}));

  EXPECT_EQ(Do(Operation::kUpdate, "role/none/token-ttl", {{"token_ttl", 5}}).error().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Do(Operation::kRead, "role/none/token-ttl").error().code(), StatusCode::kNotFound);
}

TEST_F(ApproleTest, SecretIdTtlCappedByMountMaxAndKeyValueMetadata) {
  MustDo(Operation::kCreate, "role/r", {{"secret_id_ttl", "1000h"}});
  Json s = NewSecretId("r", {{"metadata", "team=blue, env=dev"}});
  EXPECT_EQ(s["secret_id_ttl"], 768 * 3600);  // FakeSystemView's max lease TTL
  auto lookup = Do(Operation::kUpdate, "role/r/secret-id/lookup", {{"secret_id", s["secret_id"]}});
  EXPECT_EQ(lookup->data["metadata"], Json({{"env", "dev"}, {"team", "blue"}}));
  EXPECT_EQ(lookup->data["expiration_time"], FormatTime(clock_.Now() + hours(768)));
}

TEST_F(ApproleTest, SecretIdWithoutItsAccessorIsRemovedAtLogin) {
  MustDo(Operation::kCreate, "role/r");
  Json s = NewSecretId("r");
  auto accessors = storage_.List("accessor/");
  ASSERT_EQ(accessors->size(), 1u);
  ASSERT_TRUE(storage_.Delete("accessor/" + accessors->front()).ok());
  ExpectError(Login(RoleId("r"), s["secret_id"]), StatusCode::kInvalidArgument,
              "invalid role or secret ID");
  EXPECT_EQ(DumpStorage().find("secret_id/"), std::string::npos);
}

TEST_F(ApproleTest, ExistenceCheckAndUnknownRoles) {
  core::Request req;
  req.path = "role/Web";
  req.storage = &storage_;
  auto e = backend_->ExistenceCheck(req);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->checked);
  EXPECT_FALSE(e->exists);
  MustDo(Operation::kCreate, "role/web");
  EXPECT_TRUE(backend_->ExistenceCheck(req)->exists);
  ExpectError(Do(Operation::kList, "role/nope/secret-id"), StatusCode::kInvalidArgument,
              "role \"nope\" does not exist");
  ExpectError(Do(Operation::kUpdate, "role/nope/secret-id/destroy", {{"secret_id", "x"}}),
              StatusCode::kInvalidArgument, "role \"nope\" does not exist");
}

TEST_F(ApproleTest, SaltSurvivesANewBackendInstance) {
  MustDo(Operation::kCreate, "role/r");
  const std::string role_id = RoleId("r");
  Json s = NewSecretId("r");
  backend_ = NewBackend();  // e.g. after a seal/unseal: the salt is read back from storage
  EXPECT_TRUE(Login(role_id, s["secret_id"]).has_value());
  EXPECT_TRUE(Do(Operation::kUpdate, "role/r/secret-id-accessor/lookup",
                 {{"secret_id_accessor", s["secret_id_accessor"]}})
                  .has_value());
}

}  // namespace
}  // namespace coffer::auth::approle
