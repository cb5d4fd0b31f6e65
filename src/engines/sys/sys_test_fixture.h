#pragma once
// Test-only: a real CoreImpl in dev mode (root token "root") over in-memory storage and a
// FakeClock, with the built-in engines and auth methods and the sys/ and auth/token/
// backends, driven through HandleRequest as http/ would. Shared by engines/sys and
// auth/token tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/builtins.h"
#include "auth/token/token_backend.h"
#include "core/core_impl.h"
#include "core/registry.h"
#include "crypto/hash.h"
#include "engines/builtins.h"
#include "engines/cubbyhole/cubbyhole.h"
#include "engines/sys/sys_backend.h"
#include "storage/inmem/inmem.h"

namespace coffer::testing {

class DevCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engines::RegisterBuiltins(registry_);
    auth::RegisterBuiltins(registry_);
    core::CoreOptions o;
    o.physical = &physical_;
    o.clock = &clock_;
    o.registry = &registry_;
    o.system_backend_factory = engines::sys::NewSystemBackend;
    o.token_backend_factory = auth::token::NewTokenBackend;
    o.cubbyhole_destroyer = engines::cubbyhole::DestroyCubbyhole;
    core_ = std::make_unique<core::CoreImpl>(std::move(o));
    auto init = core_->SetupDevMode("root");
    ASSERT_TRUE(init.has_value()) << init.error().ToString();
    unseal_key_ = crypto::Base64Encode(init->keys[0].view());
  }

  // Seals the node and unseals it again with the dev-mode key (a restart of the node).
  void SealAndUnseal() {
    ASSERT_TRUE(core_->Seal().ok());
    auto st = core_->Unseal(unseal_key_);
    ASSERT_TRUE(st.has_value()) << st.error().ToString();
    ASSERT_FALSE(st->sealed);
  }

  Result<core::Response> Do(core::Operation op, const std::string& path, Json data = Json::object(),
                            const std::string& token = "root") {
    core::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(data);
    req.client_token = token;
    return core_->HandleRequest(req);
  }

  // The response of a request that must succeed.
  core::Response Ok(core::Operation op, const std::string& path, Json data = Json::object(),
                    const std::string& token = "root") {
    auto r = Do(op, path, std::move(data), token);
    EXPECT_TRUE(r.has_value()) << path << ": " << r.error().ToString();
    return r ? std::move(*r) : core::Response{};
  }

  // The error of a request that must fail.
  Status Fail(core::Operation op, const std::string& path, Json data = Json::object(),
              const std::string& token = "root") {
    auto r = Do(op, path, std::move(data), token);
    EXPECT_FALSE(r.has_value()) << path << " unexpectedly succeeded";
    return r ? Status::Ok() : r.error();
  }

  void WritePolicy(const std::string& name, const std::string& hcl) {
    Ok(core::Operation::kUpdate, "sys/policies/acl/" + name, {{"policy", hcl}});
  }

  // A token made by `parent` through auth/token/create with `extra` request fields.
  std::string NewToken(std::vector<std::string> policies, Json extra = Json::object(),
                       const std::string& parent = "root") {
    extra["policies"] = std::move(policies);
    auto r = Ok(core::Operation::kUpdate, "auth/token/create", std::move(extra), parent);
    EXPECT_TRUE(r.auth.has_value());
    return r.auth ? r.auth->client_token : std::string();
  }

  storage::InmemBackend physical_;
  FakeClock clock_;
  core::Registry registry_;
  std::unique_ptr<core::CoreImpl> core_;
  std::string unseal_key_;  // base64
};

}  // namespace coffer::testing
