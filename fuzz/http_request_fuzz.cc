// A whole HTTP request through http::BuildRequest. Input layout:
//   line 1: method; line 2: target; then "Name: value" header lines up to an empty line;
//   the rest is the body (JSON, form-encoded, anything).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/fake_random.h"
#include "fuzz/fuzz_util.h"
#include "http/request_builder.h"

using namespace coffer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  http::HttpRequest req;
  req.method = in.Line();
  req.target = in.Line();
  for (int i = 0; i < 64 && !in.empty(); ++i) {
    std::string_view line = in.Line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(std::string(name), std::string(value));
  }
  req.body = in.Rest();
  req.remote_addr = "127.0.0.1";
  crypto::SeededRandom random(1);
  auto built = http::BuildRequest(req, random);
  if (!built) {
    FUZZ_CHECK(built.error().status >= 400 && built.error().status < 600);
  } else {
    (void)built->data.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  (void)http::ParseJsonObject(req.body);
  return 0;
}
