// ACL policy text through ParsePolicy; a policy that parses is compiled into an Acl and
// asked about a few paths. Input: policy text, optionally followed by "\n\0" and a
// request path to check.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/json.h"
#include "core/policy/acl.h"
#include "core/policy/policy.h"

using namespace coffer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view text = input, path = "secret/data/a";
  if (size_t sep = input.find(std::string_view("\n\0", 2)); sep != std::string_view::npos) {
    text = input.substr(0, sep);
    path = input.substr(sep + 2);
  }
  auto policy = core::ParsePolicy("fuzz", text);
  if (!policy) return 0;
  auto acl = core::Acl::Build({std::make_shared<const core::Policy>(std::move(*policy))});
  if (!acl) return 0;
  Json body = Json::object({{"a", 1}, {"b", "x"}});
  for (auto op : {core::Operation::kRead, core::Operation::kUpdate, core::Operation::kList,
                  core::Operation::kDelete}) {
    (void)(*acl)->AllowOperation(op, std::string(path), body, false);
  }
  (void)(*acl)->Capabilities(std::string(path));
  return 0;
}
