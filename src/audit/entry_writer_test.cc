// The JSON writer (entry_writer.cc) over inputs that vary every field it writes: each line
// is valid JSON and byte for byte the canonical form of itself — nlohmann's dump of the
// parsed entry with "time" moved first (member order, escaping, invalid UTF-8 replaced) —
// and, unless log_raw or hmac_accessor=false, no secret of the sample appears in it.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "audit/format.h"
#include "audit/test_util.h"

namespace coffer::audit {
namespace {

using testing::Sample;

// Every variation of the sample the writer must render as the tree does.
std::vector<std::function<void(Sample&, core::AuditInput&)>> Variations() {
  return {
      [](Sample&, core::AuditInput&) {},
      [](Sample&, core::AuditInput& in) { in.token = nullptr; },
      [](Sample& s, core::AuditInput& in) {
        in.token = nullptr;
        s.request.client_token.clear();
      },
      [](Sample& s, core::AuditInput&) { s.request.data = Json::object(); },
      [](Sample& s, core::AuditInput&) { s.request.data = Json(); },
      [](Sample& s, core::AuditInput&) {
        s.request.data = Json{{"quote\"key", "va\\lue\n\x01"},
                              {"utf8", "caf\xc3\xa9"},
                              {"bad", std::string("\xff\xfe")},
                              {"f", 1.5},
                              {"n", nullptr},
                              {"arr", Json::array({Json::object(), Json::array(), "x"})}};
      },
      [](Sample& s, core::AuditInput& in) {
        s.response = core::Response();
        s.response.data = Json::array({"a", 1});
        in.error = "permission denied";
      },
      [](Sample& s, core::AuditInput&) {
        s.response = core::Response();
        s.response.raw_body = "# TYPE x gauge\nx 1\n";
        s.response.raw_content_type = "text/plain";
        s.response.http_status = 200;
      },
      [](Sample& s, core::AuditInput& in) {
        s.request.mount_point.clear();
        s.request.mount_type.clear();
        s.request.mount_accessor.clear();
        in.response = nullptr;
      },
      [](Sample& s, core::AuditInput&) {
        s.request.remote_addr = "[::1]:8200";
        s.request.wrap_ttl = std::chrono::seconds(60);
        s.request.operation = core::Operation::kList;
        s.token.type = core::TokenType::kBatch;
        s.token.meta.clear();
        s.token.policies.clear();
      },
      [](Sample& s, core::AuditInput& in) {
        s.request.remote_addr = "not-an-address";
        in.remaining_uses = 3;
        in.token_ttl = 0;
        in.token_issue_time = 0;
        s.response.auth->ttl = std::chrono::seconds(0);
        s.response.auth->lease_duration = std::chrono::seconds(60);
        s.response.auth->num_uses = 2;
        s.response.auth->metadata = {{"role", "r\"1"}};
        s.response.secret.reset();
        s.response.wrap_info.reset();
        s.response.warnings.clear();
      },
  };
}

// What a line must be: prefix + {"time":...,<the other members in name order>} + "\n".
std::string Canonical(const std::string& line, const std::string& prefix) {
  std::string body = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  Json j = Json::parse(body);
  auto dump = [](const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); };
  std::string out = prefix + "{\"time\":" + dump(j["time"]);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "time") out += "," + dump(Json(it.key())) + ":" + dump(it.value());
  return out + "}\n";
}

TEST(EntryWriterTest, EveryVariationIsCanonicalJsonWithoutSecrets) {
  for (const char* raw : {"false", "true"}) {
    for (const char* hmac_accessor : {"true", "false"}) {
      auto opts = ParseFormatOptions(
          {{"log_raw", raw}, {"hmac_accessor", hmac_accessor}, {"prefix", "P "}});
      ASSERT_TRUE(opts);
      int i = 0;
      for (const auto& vary : Variations()) {
        Sample s;
        core::AuditInput in = s.ResponseInput();
        vary(s, in);
        auto f = EntryFormatter::Create(*opts, &s.salt);
        ASSERT_TRUE(f);
        for (bool response : {false, true}) {
          std::string line = response ? f->FormatResponse(in) : f->FormatRequest(in);
          EXPECT_EQ(line, Canonical(line, "P "))
              << "variation " << i << " log_raw=" << raw << " hmac_accessor=" << hmac_accessor
              << " response=" << response;
          if (std::string(raw) == "false" && std::string(hmac_accessor) == "true") {
            EXPECT_EQ(line.find(testing::kMarker), std::string::npos)
                << "variation " << i << ": " << line;
          }
        }
        ++i;
      }
    }
  }
}

}  // namespace
}  // namespace coffer::audit
