// End-to-end tests of the commands against a fake Vault: dispatch, exit codes, status,
// operator, login, token, policy, secrets and auth commands.

#include "cli/cli.h"

#include <sys/stat.h>

#include <fstream>

#include "api/token_helper.h"
#include "cli/cli_test_util.h"

namespace coffer::cli {
namespace {

TEST_F(CliTest, HelpAndUnknownCommands) {
  EXPECT_EQ(Run({"-h"}), 0);
  EXPECT_NE(out_.find("Usage: coffer <command>"), std::string::npos);
  EXPECT_EQ(Run({"kv", "get", "--help"}), 0);
  EXPECT_NE(out_.find("Usage: coffer kv get [options] KEY"), std::string::npos);
  EXPECT_NE(out_.find("HTTP Options:"), std::string::npos);
  EXPECT_EQ(Run({}), 127);
  EXPECT_EQ(Run({"frobnicate"}), 127);
  EXPECT_NE(err_.find("Unknown command: frobnicate"), std::string::npos);
  EXPECT_EQ(Run({"kv"}), 1);  // a group without a subcommand prints its listing
  EXPECT_NE(err_.find("put"), std::string::npos);
  EXPECT_EQ(Run({"version"}), 0);
  EXPECT_EQ(out_, VersionString() + "\n");
  EXPECT_TRUE(vault_.requests().empty());
}

TEST_F(CliTest, UsageErrorsAreLocalErrorsAndSendNothing) {
  EXPECT_EQ(Run({"kv", "get", "-bogus", "secret/foo"}), 1);
  EXPECT_EQ(err_, "flag provided but not defined: -bogus\n");
  EXPECT_EQ(Run({"kv", "get"}), 1);
  EXPECT_EQ(err_, "Not enough arguments (expected 1, got 0)\n");
  EXPECT_EQ(Run({"policy", "read", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 1, got 2)\n");
  EXPECT_EQ(Run({"status", "-format=xml"}), 1);
  EXPECT_EQ(err_, "Invalid output format: xml\n");
  EXPECT_EQ(Run({"write", "secret/foo"}), 1);
  EXPECT_EQ(err_, "Must supply data or use -force\n");
  EXPECT_TRUE(vault_.requests().empty());
}

TEST_F(CliTest, StatusUnsealedSealedAndJson) {
  EXPECT_EQ(Run({"status"}), 0);
  EXPECT_NE(out_.find("Key             Value\n---             -----\nSeal Type       shamir\n"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("Sealed          false\n"), std::string::npos);
  EXPECT_NE(out_.find("Storage Type    raft\n"), std::string::npos);
  EXPECT_NE(out_.find("HA Mode         active\n"), std::string::npos);
  EXPECT_EQ(out_.find("Unseal Progress"), std::string::npos);

  vault_.SetSealed(true);
  EXPECT_EQ(Run({"status"}), 2);
  EXPECT_NE(out_.find("Unseal Progress    1/3\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("Unseal Nonce       n-1\n"), std::string::npos);

  EXPECT_EQ(Run({"status", "-format=json"}), 2);
  Json j = OutJson();
  EXPECT_EQ(j["sealed"], true);
  EXPECT_EQ(j["ha_enabled"], true);  // sealed: sys/leader says so, Vault assumes HA

  std::string address = vault_.address();
  EXPECT_EQ(Run({"status", "-address=http://127.0.0.1:1"}), 1);  // errors are 1 here
  EXPECT_NE(err_.find("Error checking seal status"), std::string::npos);
}

TEST_F(CliTest, OperatorInitTableAndJson) {
  EXPECT_EQ(Run({"operator", "init", "-key-shares=2", "-key-threshold=2"}), 0);
  EXPECT_NE(out_.find("Unseal Key 1: qgE=\nUnseal Key 2: uwI=\n\nInitial Root Token: hvs.root\n"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("Vault initialized with 2 key shares and a key threshold of 2."),
            std::string::npos);
  Json sent = Json::parse(vault_.Last("PUT", "/v1/sys/init")->body);
  EXPECT_EQ(sent["secret_shares"], 2);
  EXPECT_EQ(sent["secret_threshold"], 2);

  EXPECT_EQ(Run({"operator", "init", "-format=json"}), 0);
  Json j = OutJson();
  EXPECT_EQ(j["unseal_keys_b64"], Json::array({"qgE=", "uwI="}));
  EXPECT_EQ(j["unseal_keys_hex"], Json::array({"aa01", "bb02"}));
  EXPECT_EQ(j["unseal_shares"], 5);
  EXPECT_EQ(j["unseal_threshold"], 3);
  EXPECT_EQ(j["root_token"], "hvs.root");

  EXPECT_EQ(Run({"operator", "init", "-status"}), 0);
  EXPECT_EQ(out_, "Vault is initialized\n");
}

TEST_F(CliTest, OperatorUnsealSealAndKeyStatus) {
  vault_.SetSealed(true);
  EXPECT_EQ(Run({"operator", "unseal"}, "  key-one  \n"), 0);
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/sys/unseal")->body), (Json{{"key", "key-one"}}));
  EXPECT_NE(err_.find("Unseal Key (will be hidden): "), std::string::npos);
  EXPECT_NE(out_.find("Sealed          false"), std::string::npos) << out_;

  EXPECT_EQ(Run({"operator", "unseal", "-reset"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/sys/unseal")->body), (Json{{"reset", true}}));

  EXPECT_EQ(Run({"operator", "seal"}, ""), 0);
  EXPECT_EQ(out_, "Success! Vault is sealed.\n");
  EXPECT_EQ(Run({"operator", "unseal"}, ""), 1);  // EOF on stdin: no key
}

TEST_F(CliTest, LoginWithTokenStoresItMode0600) {
  EXPECT_EQ(Run({"login", "hvs.root"}), 0) << err_;
  EXPECT_EQ(vault_.Last("GET", "/v1/auth/token/lookup-self")->Header("x-vault-token"), "hvs.root");
  EXPECT_NE(out_.find("Success! You are now authenticated."), std::string::npos);
  EXPECT_NE(out_.find("token_duration       ∞"), std::string::npos) << out_;
  EXPECT_NE(out_.find("token_policies       [\"root\"]"), std::string::npos);
  std::string path = home_ + "/.coffer-token";
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(*api::TokenHelper(home_).Get(), "hvs.root");

  // Later commands use the stored token.
  vault_.ClearRequests();
  EXPECT_EQ(Run({"token", "lookup"}), 0);
  EXPECT_EQ(vault_.Last("GET", "/v1/auth/token/lookup-self")->Header("x-vault-token"), "hvs.root");
  EXPECT_NE(out_.find("creation_ttl    0s"), std::string::npos) << out_;
}

TEST_F(CliTest, LoginFailuresAndNoStore) {
  EXPECT_EQ(Run({"login", "hvs.wrong"}), 2);
  EXPECT_NE(err_.find("Error authenticating: error looking up token: Error making API "
                      "request.\n\nURL: GET " +
                      vault_.address() +
                      "/v1/auth/token/lookup-self\nCode: 403. Errors:\n\n* permission denied"),
            std::string::npos)
      << err_;
  EXPECT_EQ(Run({"login", "-no-store", "-field=token", "hvs.root"}), 0);
  EXPECT_EQ(out_, "hvs.root");
  EXPECT_EQ(*api::TokenHelper(home_).Get(), "");
  EXPECT_EQ(Run({"login", "-"}, "hvs.root\n"), 0);  // token from stdin
  EXPECT_EQ(*api::TokenHelper(home_).Get(), "hvs.root");
}

TEST_F(CliTest, LoginUserpass) {
  EXPECT_EQ(Run({"login", "-method=userpass", "username=bob", "password=pw"}), 0) << err_;
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/auth/userpass/login/bob")->body),
            (Json{{"password", "pw"}}));
  EXPECT_EQ(*api::TokenHelper(home_).Get(), "hvs.bob");
  EXPECT_EQ(Run({"login", "-method=userpass", "username=bob"}, "pw\n"), 0);  // prompted
  EXPECT_NE(err_.find("Password (will be hidden): "), std::string::npos);
  EXPECT_EQ(Run({"login", "-method=userpass", "username=bob", "password=no"}), 2);
  EXPECT_NE(err_.find("invalid username or password"), std::string::npos);
}

TEST_F(CliTest, TokenCreateSendsFlags) {
  setenv("COFFER_TOKEN", "hvs.root", 1);
  EXPECT_EQ(Run({"token", "create", "-policy=dev", "-policy", "ops", "-ttl=1h", "-use-limit=3",
                 "-metadata=team=a", "-renewable=false", "-display-name=ci", "-orphan"}),
            0)
      << err_;
  unsetenv("COFFER_TOKEN");
  auto req = vault_.Last("POST", "/v1/auth/token/create-orphan");
  ASSERT_TRUE(req.has_value());
  Json sent = Json::parse(req->body);
  EXPECT_EQ(sent["policies"], Json::array({"dev", "ops"}));
  EXPECT_EQ(sent["ttl"], "1h0m0s");
  EXPECT_EQ(sent["num_uses"], 3);
  EXPECT_EQ(sent["meta"], (Json{{"team", "a"}}));
  EXPECT_EQ(sent["renewable"], false);
  EXPECT_EQ(sent["display_name"], "ci");
  EXPECT_EQ(sent["no_parent"], true);
  EXPECT_NE(out_.find("token                hvs.child"), std::string::npos) << out_;
  EXPECT_NE(out_.find("token_duration       1h"), std::string::npos);
}

TEST_F(CliTest, TokenRevokeRenewCapabilities) {
  setenv("COFFER_TOKEN", "hvs.root", 1);
  EXPECT_EQ(Run({"token", "revoke", "-self"}), 0);
  EXPECT_TRUE(vault_.Last("POST", "/v1/auth/token/revoke-self").has_value());
  EXPECT_EQ(out_, "Success! Revoked token (if it existed)\n");
  EXPECT_EQ(Run({"token", "revoke", "-accessor", "acc1"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/auth/token/revoke-accessor")->body),
            (Json{{"accessor", "acc1"}}));
  EXPECT_EQ(Run({"token", "revoke", "-mode=orphan", "hvs.x"}), 0);
  EXPECT_TRUE(vault_.Last("POST", "/v1/auth/token/revoke-orphan").has_value());
  EXPECT_EQ(Run({"token", "revoke"}), 1);
  EXPECT_EQ(Run({"token", "renew", "-increment=30m"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/auth/token/renew-self")->body),
            (Json{{"increment", 1800}}));
  EXPECT_EQ(Run({"token", "capabilities", "secret/foo"}), 0);
  EXPECT_EQ(out_, "create, read\n");
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/sys/capabilities-self")->body)["paths"],
            Json::array({"secret/foo"}));
  unsetenv("COFFER_TOKEN");
}

TEST_F(CliTest, PolicyLifecycle) {
  setenv("COFFER_TOKEN", "hvs.root", 1);
  std::string rules = "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n";
  EXPECT_EQ(Run({"policy", "write", "dev", "-"}, rules), 0);
  EXPECT_EQ(out_, "Success! Uploaded policy: dev\n");
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/sys/policies/acl/dev")->body)["policy"], rules);
  EXPECT_EQ(Run({"policy", "read", "dev"}), 0);
  EXPECT_EQ(out_, rules);
  EXPECT_EQ(Run({"policy", "list"}), 0);
  EXPECT_EQ(out_, "dev\n");
  EXPECT_EQ(vault_.Last("LIST", "/v1/sys/policies/acl")->method, "LIST");
  EXPECT_EQ(Run({"policy", "read", "nope"}), 2);
  EXPECT_EQ(err_, "No policy named: nope\n");
  EXPECT_EQ(Run({"policy", "delete", "dev"}), 0);
  EXPECT_EQ(out_, "Success! Deleted policy: dev\n");
  unsetenv("COFFER_TOKEN");

  std::string file = home_ + "/p.hcl";
  std::ofstream(file) << "path \"a\" {\ncapabilities = [\"read\"]\n}\n";
  EXPECT_EQ(Run({"policy", "fmt", file}), 0);
  std::ifstream in(file);
  std::string formatted((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(formatted, "path \"a\" {\n  capabilities = [\"read\"]\n}\n");
}

TEST_F(CliTest, SecretsAndAuthMounts) {
  setenv("COFFER_TOKEN", "hvs.root", 1);
  EXPECT_EQ(Run({"secrets", "enable", "-path=kv2", "-version=2", "-description=team kv",
                 "-max-lease-ttl=24h", "kv"}),
            0);
  EXPECT_EQ(out_, "Success! Enabled the kv secrets engine at: kv2/\n");
  Json sent = Json::parse(vault_.Last("POST", "/v1/sys/mounts/kv2/")->body);
  EXPECT_EQ(sent["type"], "kv");
  EXPECT_EQ(sent["options"], (Json{{"version", "2"}}));
  EXPECT_EQ(sent["description"], "team kv");
  EXPECT_EQ(sent["config"]["max_lease_ttl"], "24h0m0s");
  EXPECT_EQ(Run({"secrets", "enable", "kv-v2"}), 0);
  EXPECT_EQ(out_, "Success! Enabled the kv-v2 secrets engine at: kv-v2/\n");
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/sys/mounts/kv-v2/")->body)["options"],
            (Json{{"version", "2"}}));
  EXPECT_EQ(Run({"secrets", "list"}), 0);
  EXPECT_EQ(out_,
            "Path       Type    Accessor    Description\n"
            "----       ----    --------    -----------\n"
            "secret/    kv      kv_1        n/a\n");
  EXPECT_EQ(Run({"secrets", "tune", "-default-lease-ttl=1h", "secret"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/sys/mounts/secret/tune")->body),
            (Json{{"default_lease_ttl", "1h0m0s"}}));
  EXPECT_EQ(Run({"secrets", "move", "secret", "generic"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/sys/remount")->body),
            (Json{{"from", "secret/"}, {"to", "generic/"}}));
  EXPECT_EQ(Run({"secrets", "disable", "kv2"}), 0);
  EXPECT_TRUE(vault_.Last("DELETE", "/v1/sys/mounts/kv2/").has_value());

  EXPECT_EQ(Run({"auth", "enable", "userpass"}), 0);
  EXPECT_EQ(out_, "Success! Enabled userpass auth method at: userpass/\n");
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/sys/auth/userpass/")->body)["type"], "userpass");
  EXPECT_EQ(Run({"auth", "list", "-format=json"}), 0);
  EXPECT_EQ(OutJson()["secret/"]["type"], "kv");
  EXPECT_EQ(Run({"auth", "disable", "userpass"}), 0);
  EXPECT_EQ(out_, "Success! Disabled the auth method (if it existed) at: userpass/\n");
  unsetenv("COFFER_TOKEN");
}

}  // namespace
}  // namespace coffer::cli
