// The cluster-port codecs on untrusted bytes. Byte 0 picks the decoder (batch, message,
// forwarded request, forwarded response); whatever decodes must re-encode to something
// that decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cluster/codec.h"
#include "fuzz/fuzz_util.h"

using namespace coffer;
using namespace coffer::cluster;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      if (auto b = DecodeBatch(bytes)) {
        auto again = DecodeBatch(EncodeBatch(*b));
        FUZZ_CHECK(again && again->size() == b->size());
        for (size_t i = 0; i < b->size(); ++i)
          FUZZ_CHECK(EncodeMessage((*again)[i]) == EncodeMessage((*b)[i]));
      }
      break;
    case 1:
      if (auto m = DecodeMessage(bytes)) {
        auto again = DecodeMessage(EncodeMessage(*m));
        FUZZ_CHECK(again && EncodeMessage(*again) == EncodeMessage(*m));
      }
      break;
    case 2:
      if (auto r = DecodeForwardedRequest(bytes)) {
        auto enc = EncodeForwardedRequest(*r);
        FUZZ_CHECK(enc);
        auto again = DecodeForwardedRequest(*enc);
        FUZZ_CHECK(again && *again == *r);
      }
      break;
    case 3:
      if (auto r = DecodeForwardedResponse(bytes)) {
        auto enc = EncodeForwardedResponse(*r);
        FUZZ_CHECK(enc);
        auto again = DecodeForwardedResponse(*enc);
        FUZZ_CHECK(again && *again == *r);
      }
      break;
  }
  return 0;
}
