#include "core/logical.h"

namespace coffer::core {

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kRead:
      return "read";
    case Operation::kCreate:
      return "create";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "delete";
    case Operation::kList:
      return "list";
    case Operation::kPatch:
      return "patch";
    case Operation::kHelp:
      return "help";
  }
  return "unknown";
}

Response Response::ListResponse(std::vector<std::string> keys) {
  Response r;
  r.data = Json::object();
  r.data["keys"] = std::move(keys);
  return r;
}

}  // namespace coffer::core
