#include "auth/userpass/userpass.h"

#include <gtest/gtest.h>

#include "storage/inmem/inmem.h"

namespace coffer::auth::userpass {
namespace {

using core::Operation;

class UserpassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::BackendConfig config;
    config.mount_path = "auth/userpass/";
    config.type = "userpass";
    config.storage = &storage_;
    auto b = Factory(config);
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
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

  Result<core::Response> Login(const std::string& user, const std::string& password,
                               const std::string& remote_addr = "127.0.0.1") {
    return Do(Operation::kUpdate, "login/" + user, {{"password", password}}, remote_addr);
  }

  // Renews a login the way the token store does: the Auth's internal data comes back.
  Result<core::Response> Renew(const core::Auth& auth) {
    core::Request req;
    req.operation = Operation::kUpdate;
    req.path = "login/renew";
    req.storage = &storage_;
    req.data = {{"internal", auth.internal_data}};
    return backend_->RenewLease(req);
  }

  storage::InmemBackend storage_;
  std::unique_ptr<core::Backend> backend_;
};

TEST_F(UserpassTest, BackendShape) {
  EXPECT_EQ(backend_->Kind(), core::BackendKind::kCredential);
  EXPECT_EQ(backend_->GetSpecialPaths().unauthenticated, std::vector<std::string>({"login/*"}));
}

TEST_F(UserpassTest, CreateReadListDelete) {
  auto missing_pw = Do(Operation::kCreate, "users/alice", {{"token_policies", "dev"}});
  ASSERT_FALSE(missing_pw.has_value());
  EXPECT_EQ(missing_pw.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing_pw.error().message(), "missing password");

  ASSERT_TRUE(Do(Operation::kCreate, "users/Alice",
                 {{"password", "pw1"}, {"token_policies", "dev,ops"}, {"token_ttl", "1h"}})
                  .has_value());
  auto r = Do(Operation::kRead, "users/alice");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data["token_policies"], Json({"dev", "ops"}));
  EXPECT_EQ(r->data["token_ttl"], 3600);
  EXPECT_EQ(r->data["token_max_ttl"], 0);
  EXPECT_EQ(r->data["token_type"], "default");
  EXPECT_EQ(r->data["token_bound_cidrs"], Json::array());
  EXPECT_FALSE(r->data.contains("password"));
  EXPECT_FALSE(r->data.contains("password_hash"));
  EXPECT_FALSE(r->data.contains("policies"));  // legacy key only when set

  // Stored hashed, never in plaintext.
  auto raw = storage_.Get("user/alice");
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  EXPECT_EQ((*raw)->find("pw1"), std::string::npos);

  ASSERT_TRUE(Do(Operation::kCreate, "users/bob", {{"password", "pw2"}}).has_value());
  auto list = Do(Operation::kList, "users/");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_EQ(list->data["keys"], Json({"alice", "bob"}));

  ASSERT_TRUE(Do(Operation::kDelete, "users/bob").has_value());
  EXPECT_EQ(Do(Operation::kRead, "users/bob").error().code(), StatusCode::kNotFound);
}

TEST_F(UserpassTest, UpdateKeepsPasswordAndChangesFields) {
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice", {{"password", "pw"}}).has_value());
  ASSERT_TRUE(Do(Operation::kUpdate, "users/alice", {{"token_max_ttl", "2h"}}).has_value());
  EXPECT_EQ(Do(Operation::kRead, "users/alice")->data["token_max_ttl"], 7200);
  EXPECT_TRUE(Login("alice", "pw").has_value());
  auto empty = Do(Operation::kUpdate, "users/alice", {{"password", ""}});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message(), "missing password");
  auto bad = Do(Operation::kUpdate, "users/alice", {{"token_ttl", "3h"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "'token_ttl' cannot be greater than 'token_max_ttl'");
}

TEST_F(UserpassTest, ExistenceCheck) {
  core::Request req;
  req.path = "users/alice";
  req.storage = &storage_;
  auto e = backend_->ExistenceCheck(req);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->checked);
  EXPECT_FALSE(e->exists);
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice", {{"password", "pw"}}).has_value());
  EXPECT_TRUE(backend_->ExistenceCheck(req)->exists);
}

TEST_F(UserpassTest, LoginIssuesAuth) {
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice",
                 {{"password", "s3cret"},
                  {"token_policies", "dev"},
                  {"token_ttl", "10m"},
                  {"token_max_ttl", "1h"},
                  {"token_num_uses", 5}})
                  .has_value());
  auto r = Login("ALICE", "s3cret");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->auth.has_value());
  const core::Auth& auth = *r->auth;
  EXPECT_EQ(auth.display_name, "alice");
  EXPECT_EQ(auth.metadata, (std::map<std::string, std::string>{{"username", "alice"}}));
  EXPECT_EQ(auth.policies, std::vector<std::string>({"dev"}));
  EXPECT_EQ(auth.token_policies, std::vector<std::string>({"dev"}));
  EXPECT_EQ(auth.ttl, std::chrono::minutes(10));
  EXPECT_EQ(auth.max_ttl, std::chrono::hours(1));
  EXPECT_EQ(auth.num_uses, 5);
  EXPECT_TRUE(auth.renewable);
  EXPECT_EQ(auth.token_type, core::TokenType::kService);
  EXPECT_TRUE(auth.client_token.empty());  // the token store mints it
}

TEST_F(UserpassTest, BadCredentialsAre400WithVaultsMessage) {
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice", {{"password", "right"}}).has_value());
  for (auto [user, pw] : {std::pair{"alice", "wrong"}, std::pair{"nobody", "right"}}) {
    auto r = Login(user, pw);
    ASSERT_FALSE(r.has_value()) << user;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().message(), "invalid username or password");
  }
  auto empty = Login("alice", "");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message(), "missing password");
}

TEST_F(UserpassTest, PasswordEndpointChangesPassword) {
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice", {{"password", "old"}}).has_value());
  ASSERT_TRUE(Do(Operation::kUpdate, "users/alice/password", {{"password", "new"}}).has_value());
  EXPECT_FALSE(Login("alice", "old").has_value());
  EXPECT_TRUE(Login("alice", "new").has_value());
  auto unknown = Do(Operation::kUpdate, "users/zed/password", {{"password", "x"}});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message(), "username does not exist");
}

TEST_F(UserpassTest, PoliciesEndpointAndLegacyField) {
  ASSERT_TRUE(
      Do(Operation::kCreate, "users/alice", {{"password", "pw"}, {"policies", "Old"}}).has_value());
  auto r = Do(Operation::kRead, "users/alice");
  EXPECT_EQ(r->data["token_policies"], Json({"old"}));
  EXPECT_EQ(r->data["policies"], Json({"old"}));
  ASSERT_TRUE(
      Do(Operation::kUpdate, "users/alice/policies", {{"token_policies", "b,a"}}).has_value());
  r = Do(Operation::kRead, "users/alice");
  EXPECT_EQ(r->data["token_policies"], Json({"a", "b"}));
  EXPECT_FALSE(r->data.contains("policies"));
  EXPECT_EQ(Login("alice", "pw")->auth->policies, std::vector<std::string>({"a", "b"}));
}

TEST_F(UserpassTest, BoundCidrsRestrictLogin) {
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice",
                 {{"password", "pw"}, {"token_bound_cidrs", "10.0.0.0/8"}})
                  .has_value());
  EXPECT_TRUE(Login("alice", "pw", "10.2.3.4").has_value());
  auto denied = Login("alice", "pw", "192.168.0.1");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code(), StatusCode::kPermissionDenied);
  auto bad =
      Do(Operation::kCreate, "users/bob", {{"password", "pw"}, {"token_bound_cidrs", "nope"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(UserpassTest, RenewChecksUserAndPolicies) {
  ASSERT_TRUE(Do(Operation::kCreate, "users/alice",
                 {{"password", "pw"}, {"token_policies", "dev"}, {"token_ttl", "5m"}})
                  .has_value());
  auto login = Login("alice", "pw");
  ASSERT_TRUE(login.has_value());
  core::Auth auth = *login->auth;

  // The user's TTL settings changed since login: renewal picks them up.
  ASSERT_TRUE(Do(Operation::kUpdate, "users/alice", {{"token_ttl", "20m"}}).has_value());
  auto renewed = Renew(auth);
  ASSERT_TRUE(renewed.has_value()) << renewed.error().ToString();
  ASSERT_TRUE(renewed->auth.has_value());
  EXPECT_EQ(renewed->auth->ttl, std::chrono::minutes(20));
  EXPECT_EQ(renewed->auth->policies, std::vector<std::string>({"dev"}));

  // Renewal with the token's policies when there is no internal data.
  core::Request req;
  req.storage = &storage_;
  req.token.emplace();
  req.token->meta = {{"username", "alice"}};
  req.token->policies = {"default", "dev"};
  EXPECT_TRUE(backend_->RenewLease(req).has_value());

  // Policies changed: refused.
  ASSERT_TRUE(
      Do(Operation::kUpdate, "users/alice/policies", {{"token_policies", "admin"}}).has_value());
  auto changed = Renew(auth);
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().message(), "policies have changed, not renewing");

  // User deleted: refused.
  ASSERT_TRUE(Do(Operation::kDelete, "users/alice").has_value());
  EXPECT_FALSE(Renew(auth).has_value());
}

}  // namespace
}  // namespace coffer::auth::userpass
