// End-to-end tests of `operator raft ...`, `operator step-down` and `operator members`
// against the fake Vault: requests sent, table and JSON output, errors and exit codes, and
// snapshot save/restore byte for byte.

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli/cli.h"
#include "cli/cli_test_util.h"

namespace coffer::cli {
namespace {

class CliRaftTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    setenv("COFFER_TOKEN", "hvs.root", 1);
  }
  void TearDown() override {
    unsetenv("COFFER_TOKEN");
    CliTest::TearDown();
  }
  std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Vault's error text for a failure injected with FakeVault::FailPath.
  std::string ApiError(const std::string& method, const std::string& path, int code,
                       const std::string& msg) {
    return "Error making API request.\n\nURL: " + method + " " + vault_.address() + path +
           "\nCode: " + std::to_string(code) + ". Errors:\n\n* " + msg;
  }
};

TEST_F(CliRaftTest, GroupsWithoutSubcommandPrintHelpAndExit1) {
  EXPECT_EQ(Run({"operator", "raft"}), 1);
  EXPECT_NE(err_.find("Usage: coffer operator raft <subcommand>"), std::string::npos) << err_;
  for (const char* sub : {"join", "list-peers", "remove-peer", "snapshot", "autopilot"})
    EXPECT_NE(err_.find(std::string("    ") + sub + " "), std::string::npos) << sub;
  EXPECT_EQ(Run({"operator", "raft", "autopilot"}), 1);
  for (const char* sub : {"state", "get-config", "set-config"})
    EXPECT_NE(err_.find(std::string("    ") + sub + " "), std::string::npos) << sub;
  EXPECT_EQ(Run({"operator", "raft", "snapshot"}), 1);
  EXPECT_NE(err_.find("    restore "), std::string::npos);
  EXPECT_EQ(Run({"operator", "raft", "-h"}), 0);
  EXPECT_NE(out_.find("list-peers"), std::string::npos);
  EXPECT_EQ(Run({"operator"}), 1);  // the operator listing names the new commands
  for (const char* sub : {"raft ", "step-down ", "members "})
    EXPECT_NE(err_.find(std::string("    ") + sub), std::string::npos) << sub;
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "save", "-h"}), 0);
  EXPECT_NE(out_.find("Usage: coffer operator raft snapshot save <snapshot_file>"),
            std::string::npos);
  EXPECT_TRUE(vault_.requests().empty());
}

TEST_F(CliRaftTest, JoinSendsEveryFieldAndReadsCertFiles) {
  std::string ca = home_ + "/ca.pem";
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(Run({"operator", "raft", "join", "-leader-ca-cert=@" + ca,
                 "-leader-client-cert=INLINE-CERT", "-non-voter", "-retry", "http://n1:8200"}),
            0)
      << err_;
  EXPECT_EQ(out_, "Key       Value\n---       -----\nJoined    true\n");
  auto req = vault_.Last("POST", "/v1/sys/storage/raft/join");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(
      Json::parse(req->body),
      (Json{{"auto_join", ""},
            {"auto_join_scheme", ""},
            {"auto_join_port", 0},
            {"leader_api_addr", "http://n1:8200"},
            {"leader_ca_cert", "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"},
            {"leader_client_cert", "INLINE-CERT"},
            {"leader_client_key", ""},
            {"retry", true},
            {"non_voter", true}}));

  EXPECT_EQ(Run({"operator", "raft", "join", "-format=json", "http://n1:8200"}), 0);
  EXPECT_EQ(OutJson(), (Json{{"joined", true}}));
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/sys/storage/raft/join")->body)["retry"], false);
}

TEST_F(CliRaftTest, JoinErrors) {
  EXPECT_EQ(Run({"operator", "raft", "join", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 0-1, got 2)\n");
  EXPECT_EQ(Run({"operator", "raft", "join", "-leader-client-key=@/nonexistent/key", "x"}), 1);
  EXPECT_NE(err_.find("Failed to parse leader client key: error reading file: open "
                      "/nonexistent/key"),
            std::string::npos)
      << err_;
  EXPECT_TRUE(vault_.requests().empty());
  vault_.FailPath("/v1/sys/storage/raft/join", 400, "join failed");
  EXPECT_EQ(Run({"operator", "raft", "join", "http://n1:8200"}), 2);
  EXPECT_EQ(err_, "Error joining the node to the Raft cluster: " +
                      ApiError("POST", "/v1/sys/storage/raft/join", 400, "join failed") + "\n");
}

TEST_F(CliRaftTest, ListPeersTableAndJson) {
  EXPECT_EQ(Run({"operator", "raft", "list-peers"}), 0) << err_;
  EXPECT_EQ(out_,
            "Node    Address    State       Voter\n"
            "----    -------    -----       -----\n"
            "n1      n1:8201    leader      true\n"
            "n2      n2:8201    follower    true\n"
            "n3      n3:8201    follower    false\n");
  EXPECT_TRUE(vault_.Last("GET", "/v1/sys/storage/raft/configuration").has_value());
  EXPECT_EQ(Run({"operator", "raft", "list-peers", "-format=json"}), 0);
  Json j = OutJson();
  EXPECT_EQ(j["data"]["config"]["servers"][0]["node_id"], "n1");
  EXPECT_EQ(j["data"]["config"]["servers"][2]["voter"], false);
  EXPECT_EQ(j["request_id"], "req-1");  // the whole secret, as Vault's OutputSecret
  EXPECT_EQ(Run({"operator", "raft", "list-peers", "-format=yaml"}), 0);
  EXPECT_NE(out_.find("node_id: n3"), std::string::npos) << out_;

  vault_.FailPath("/v1/sys/storage/raft/configuration", 500, "raft is not enabled");
  EXPECT_EQ(Run({"operator", "raft", "list-peers"}), 2);
  EXPECT_EQ(err_,
            "Error reading the raft cluster configuration: " +
                ApiError("GET", "/v1/sys/storage/raft/configuration", 500, "raft is not enabled") +
                "\n");
}

TEST_F(CliRaftTest, RemovePeer) {
  EXPECT_EQ(Run({"operator", "raft", "remove-peer", "n3"}), 0) << err_;
  EXPECT_EQ(out_, "Peer removed successfully!\n");
  auto req = vault_.Last("PUT", "/v1/sys/storage/raft/remove-peer");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(Json::parse(req->body), (Json{{"server_id", "n3"}, {"dr_operation_token", ""}}));

  vault_.ClearRequests();
  EXPECT_EQ(Run({"operator", "raft", "remove-peer"}), 1);
  EXPECT_EQ(err_, "Incorrect arguments (expected 1, got 0)\n");
  EXPECT_EQ(Run({"operator", "raft", "remove-peer", " "}), 1);
  EXPECT_EQ(err_, "Server id is required\n");
  EXPECT_TRUE(vault_.requests().empty());

  vault_.FailPath("/v1/sys/storage/raft/remove-peer", 400, "unknown peer");
  EXPECT_EQ(Run({"operator", "raft", "remove-peer", "n9"}), 2);
  EXPECT_EQ(err_, "Error removing the peer from raft cluster: " +
                      ApiError("PUT", "/v1/sys/storage/raft/remove-peer", 400, "unknown peer") +
                      "\n");
}

TEST_F(CliRaftTest, SnapshotSaveAndRestoreRoundTripBinary) {
  std::string bytes;
  for (int i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>((i * 7) % 256));
  bytes.insert(0, std::string("\0\0\x1f\x8b\0", 5));
  vault_.SetSnapshot(bytes);
  std::string file = home_ + "/raft.snap";
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "save", file}), 0) << err_;
  EXPECT_EQ(out_, "");
  EXPECT_EQ(ReadFile(file), bytes);
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // Only the snapshot is left in the directory: the temporary file was renamed.
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(home_)) entries += e.path() != "";
  EXPECT_EQ(entries, 1u);

  vault_.SetSnapshot("");
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "restore", file}), 0) << err_;
  EXPECT_EQ(out_, "");
  auto req = vault_.Last("POST", "/v1/sys/storage/raft/snapshot");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->body, bytes);
  EXPECT_EQ(req->Header("content-type"), "application/octet-stream");
  EXPECT_EQ(vault_.snapshot(), bytes);
  EXPECT_FALSE(vault_.Last("POST", "/v1/sys/storage/raft/snapshot-force").has_value());

  EXPECT_EQ(Run({"operator", "raft", "snapshot", "restore", "-force", file}), 0) << err_;
  req = vault_.Last("POST", "/v1/sys/storage/raft/snapshot-force");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->body, bytes);
}

TEST_F(CliRaftTest, SnapshotErrorsLeaveNoFile) {
  std::string file = home_ + "/raft.snap";
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "save"}), 1);
  EXPECT_EQ(err_, "Incorrect arguments (expected 1, got 0)\n");
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "restore", "a", "b"}), 1);
  EXPECT_EQ(err_, "Incorrect arguments (expected 1, got 2)\n");
  EXPECT_TRUE(vault_.requests().empty());

  std::ofstream(file) << "previous";
  vault_.FailPath("/v1/sys/storage/raft/snapshot", 500, "snapshot failed");
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "save", file}), 2);
  EXPECT_EQ(err_, "Error taking the snapshot: " +
                      ApiError("GET", "/v1/sys/storage/raft/snapshot", 500, "snapshot failed") +
                      "\n");
  EXPECT_EQ(ReadFile(file), "previous");  // untouched, and no temporary file left
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(home_)) entries += e.path() != "";
  EXPECT_EQ(entries, 1u);

  EXPECT_EQ(Run({"operator", "raft", "snapshot", "restore", file}), 2);
  EXPECT_EQ(err_, "Error installing the snapshot: " +
                      ApiError("POST", "/v1/sys/storage/raft/snapshot", 500, "snapshot failed") +
                      "\n");
  EXPECT_EQ(Run({"operator", "raft", "snapshot", "restore", home_ + "/missing.snap"}), 2);
  EXPECT_NE(err_.find("Error opening policy file: open " + home_ + "/missing.snap"),
            std::string::npos)
      << err_;
}

TEST_F(CliRaftTest, AutopilotStatePrettyAndJson) {
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "state"}), 0) << err_;
  std::string n1 =
      "   n1\n"
      "      Name:              n1\n"
      "      Address:           n1:8201\n"
      "      Status:            leader\n"
      "      Node Status:       alive\n"
      "      Healthy:           true\n"
      "      Last Contact:      0s\n"
      "      Last Term:         3\n"
      "      Last Index:        61\n"
      "      Version:           1.15.0\n"
      "      Node Type:         voter\n";
  EXPECT_EQ(out_.substr(0, out_.find("   n2\n      Name:")),
            "Healthy:                         true\n"
            "Failure Tolerance:               0\n"
            "Leader:                          n1\n"
            "Voters:\n"
            "   n1\n"
            "   n2\n"
            "Non Voters:\n"
            "   n3\n"
            "Servers:\n" +
                n1)
      << out_;
  EXPECT_NE(out_.find("   n3\n      Name:              n3\n"), std::string::npos);
  EXPECT_EQ(out_.substr(out_.size() - 2), "\n\n");  // Vault's ui.Output adds a newline
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "state", "-format=pretty"}), 0);
  EXPECT_EQ(out_.rfind("Healthy:", 0), 0u);

  EXPECT_EQ(Run({"operator", "raft", "autopilot", "state", "-format=json"}), 0);
  Json j = OutJson();
  EXPECT_EQ(j["Healthy"], true);
  EXPECT_EQ(j["Leader"], "n1");
  EXPECT_EQ(j["Voters"], Json::array({"n1", "n2"}));
  EXPECT_EQ(j["NonVoters"], Json::array({"n3"}));
  EXPECT_EQ(j["Servers"]["n2"]["LastIndex"], 60);
  EXPECT_EQ(j["Servers"]["n2"]["Status"], "voter");
  EXPECT_EQ(j["Upgrade"], nullptr);
  EXPECT_TRUE(vault_.Last("GET", "/v1/sys/storage/raft/autopilot/state").has_value());

  EXPECT_EQ(Run({"operator", "raft", "autopilot", "state", "extra"}), 1);
  EXPECT_EQ(err_, "Incorrect arguments (expected 0, got 1)\n");
  vault_.FailPath("/v1/sys/storage/raft/autopilot/state", 500, "no autopilot");
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "state"}), 2);
  EXPECT_EQ(err_, "Error checking autopilot state: " +
                      ApiError("GET", "/v1/sys/storage/raft/autopilot/state", 500, "no autopilot") +
                      "\n");
}

TEST_F(CliRaftTest, AutopilotGetConfig) {
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "get-config"}), 0) << err_;
  EXPECT_EQ(out_,
            "Key                                   Value\n"
            "---                                   -----\n"
            "Cleanup Dead Servers                  false\n"
            "Last Contact Threshold                10s\n"
            "Dead Server Last Contact Threshold    24h0m0s\n"
            "Server Stabilization Time             10s\n"
            "Min Quorum                            3\n"
            "Max Trailing Logs                     1000\n"
            "Disable Upgrade Migration             false\n");
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "get-config", "-format=json"}), 0);
  EXPECT_EQ(OutJson(), (Json{{"cleanup_dead_servers", false},
                             {"last_contact_threshold", "10s"},
                             {"dead_server_last_contact_threshold", "24h0m0s"},
                             {"max_trailing_logs", 1000},
                             {"min_quorum", 3},
                             {"server_stabilization_time", "10s"},
                             {"disable_upgrade_migration", false}}));
  vault_.FailPath("/v1/sys/storage/raft/autopilot/configuration", 403, "permission denied");
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "get-config"}), 2);
  EXPECT_NE(err_.find("Code: 403. Errors:\n\n* permission denied"), std::string::npos) << err_;
}

TEST_F(CliRaftTest, AutopilotSetConfigSendsOnlyGivenFlags) {
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "set-config", "-cleanup-dead-servers",
                 "-dead-server-last-contact-threshold=1h", "-min-quorum=5"}),
            0)
      << err_;
  EXPECT_EQ(out_, "");
  auto req = vault_.Last("PUT", "/v1/sys/storage/raft/autopilot/configuration");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(Json::parse(req->body), (Json{{"cleanup_dead_servers", true},
                                          {"dead_server_last_contact_threshold", "1h0m0s"},
                                          {"min_quorum", 5}}));
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "set-config", "-cleanup-dead-servers=false",
                 "-last-contact-threshold=30s", "-server-stabilization-time=1m",
                 "-max-trailing-logs=250", "-disable-upgrade-migration"}),
            0);
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/sys/storage/raft/autopilot/configuration")->body),
            (Json{{"cleanup_dead_servers", false},
                  {"last_contact_threshold", "30s"},
                  {"server_stabilization_time", "1m0s"},
                  {"max_trailing_logs", 250},
                  {"disable_upgrade_migration", true}}));
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "set-config", "x"}), 1);
  EXPECT_EQ(err_, "Incorrect arguments (expected 0, got 1)\n");
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "set-config", "-min-quorum=abc"}), 1);
  vault_.FailPath("/v1/sys/storage/raft/autopilot/configuration", 400, "bad config");
  EXPECT_EQ(Run({"operator", "raft", "autopilot", "set-config", "-min-quorum=1"}), 2);
  EXPECT_EQ(
      err_,
      ApiError("PUT", "/v1/sys/storage/raft/autopilot/configuration", 400, "bad config") + "\n");
}

TEST_F(CliRaftTest, StepDown) {
  EXPECT_EQ(Run({"operator", "step-down"}), 0) << err_;
  EXPECT_EQ(out_, "Success! Stepped down: " + vault_.address() + "\n");
  EXPECT_TRUE(vault_.Last("PUT", "/v1/sys/step-down").has_value());
  EXPECT_EQ(Run({"operator", "step-down", "extra"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 0, got 1)\n");
  EXPECT_EQ(Run({"operator", "step-down", "-format=json"}), 1);  // no output flags, as Vault
  vault_.FailPath("/v1/sys/step-down", 500, "not active");
  EXPECT_EQ(Run({"operator", "step-down"}), 2);
  EXPECT_EQ(err_, "Error stepping down: " +
                      ApiError("PUT", "/v1/sys/step-down", 500, "not active") + "\n");
}

TEST_F(CliRaftTest, MembersTableAndJson) {
  EXPECT_EQ(Run({"operator", "members"}), 0) << err_;
  EXPECT_EQ(out_,
            "Host Name    API Address       Cluster Address    Active Node    Version    "
            "Upgrade Version    Redundancy Zone    Last Echo\n"
            "---------    -----------       ---------------    -----------    -------    "
            "---------------    ---------------    ---------\n"
            "n1           http://n1:8200    https://n1:8201    true           1.15.0     "
            "n/a                n/a                n/a\n"
            "n2           http://n2:8200    https://n2:8201    false          1.15.0     "
            "1.15.1             zone-b             2024-01-02T15:04:05Z\n");
  EXPECT_TRUE(vault_.Last("GET", "/v1/sys/ha-status").has_value());
  EXPECT_EQ(Run({"operator", "members", "-format=json"}), 0);
  Json j = OutJson();
  ASSERT_EQ(j["Nodes"].size(), 2u);
  EXPECT_EQ(j["Nodes"][0], (Json{{"hostname", "n1"},
                                 {"api_address", "http://n1:8200"},
                                 {"cluster_address", "https://n1:8201"},
                                 {"active_node", true},
                                 {"last_echo", nullptr},
                                 {"version", "1.15.0"}}));
  EXPECT_EQ(j["Nodes"][1]["last_echo"], "2024-01-02T15:04:05.123456789Z");
  EXPECT_EQ(j["Nodes"][1]["redundancy_zone"], "zone-b");
  vault_.FailPath("/v1/sys/ha-status", 500, "ha not enabled");
  EXPECT_EQ(Run({"operator", "members"}), 2);
  EXPECT_EQ(err_, ApiError("GET", "/v1/sys/ha-status", 500, "ha not enabled") + "\n");
}

}  // namespace
}  // namespace coffer::cli
