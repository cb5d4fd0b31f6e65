// Hex and base64 (declared in hash.h). Unseal keys, recovery keys and tokens pass
// through these, so each character is mapped with arithmetic instead of a table lookup
// or a data-dependent branch; only the final "was anything invalid" check branches.
//
// The helpers work on ints: for x, y in [0, 255], (x - y) is negative exactly when
// x < y, and an arithmetic right shift by 8 turns that into an all-ones mask.

#include <cstdint>

#include "crypto/hash.h"

namespace coffer::crypto {

namespace {

// -1 (all ones) if lo <= c <= hi, else 0.
inline int InRange(int c, int lo, int hi) { return ((lo - 1 - c) & (c - hi - 1)) >> 8; }

char HexDigit(int nibble) {
  // '0' + n for n < 10, 'a' + n - 10 otherwise ('a' - '0' - 10 == 39).
  return static_cast<char>('0' + nibble + (((9 - nibble) >> 8) & 39));
}

// The value of a hex digit, or -1.
int HexValue(int c) {
  int v = -1;
  v += InRange(c, '0', '9') & (c - '0' + 1);
  v += InRange(c, 'a', 'f') & (c - 'a' + 10 + 1);
  v += InRange(c, 'A', 'F') & (c - 'A' + 10 + 1);
  return v;
}

char Base64Char(int v) {
  // Offsets from v to its character: 'A' for 0..25, 'a'-26 for 26..51, '0'-52 for
  // 52..61, '+'-62 for 62 and '/'-63 for 63.
  int diff = 'A';
  diff += ((25 - v) >> 8) & 6;
  diff -= ((51 - v) >> 8) & 75;
  diff -= ((61 - v) >> 8) & 15;
  diff += ((62 - v) >> 8) & 3;
  return static_cast<char>(v + diff);
}

// The 6-bit value of a base64 character, or -1.
int Base64Value(int c) {
  int v = -1;
  v += InRange(c, 'A', 'Z') & (c - 'A' + 1);
  v += InRange(c, 'a', 'z') & (c - 'a' + 26 + 1);
  v += InRange(c, '0', '9') & (c - '0' + 52 + 1);
  v += InRange(c, '+', '+') & (62 + 1);
  v += InRange(c, '/', '/') & (63 + 1);
  return v;
}

inline int Byte(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    int b = Byte(bytes, i);
    out[2 * i] = HexDigit(b >> 4);
    out[2 * i + 1] = HexDigit(b & 0x0f);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Err(InvalidArgument("hex string has odd length"));
  std::string out(hex.size() / 2, '\0');
  int bad = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(Byte(hex, 2 * i));
    int lo = HexValue(Byte(hex, 2 * i + 1));
    bad |= hi | lo;  // negative once any digit was invalid
    out[i] = static_cast<char>(((hi << 4) | lo) & 0xff);
  }
  if (bad < 0) {
    WipeString(out);
    return Err(InvalidArgument("invalid hex string"));
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    int n = (Byte(bytes, i) << 16) | (Byte(bytes, i + 1) << 8) | Byte(bytes, i + 2);
    out.push_back(Base64Char((n >> 18) & 63));
    out.push_back(Base64Char((n >> 12) & 63));
    out.push_back(Base64Char((n >> 6) & 63));
    out.push_back(Base64Char(n & 63));
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    int n = Byte(bytes, i) << 16;
    out.push_back(Base64Char((n >> 18) & 63));
    out.push_back(Base64Char((n >> 12) & 63));
    out.append("==");
  } else if (rest == 2) {
    int n = (Byte(bytes, i) << 16) | (Byte(bytes, i + 1) << 8);
    out.push_back(Base64Char((n >> 18) & 63));
    out.push_back(Base64Char((n >> 12) & 63));
    out.push_back(Base64Char((n >> 6) & 63));
    out.push_back('=');
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view b64) {
  if (b64.size() % 4 != 0) {
    return Err(InvalidArgument("illegal base64 data: length is not a multiple of 4"));
  }
  if (b64.empty()) return std::string();
  // Padding is public (it only reveals the length): one or two '=' at the very end.
  size_t pad = 0;
  if (b64[b64.size() - 1] == '=') pad = (b64[b64.size() - 2] == '=') ? 2 : 1;
  std::string_view body = b64.substr(0, b64.size() - pad);

  std::string out;
  out.reserve(body.size() * 3 / 4);
  int bad = 0;
  size_t i = 0;
  for (; i + 4 <= body.size(); i += 4) {
    int a = Base64Value(Byte(body, i)), b = Base64Value(Byte(body, i + 1));
    int c = Base64Value(Byte(body, i + 2)), d = Base64Value(Byte(body, i + 3));
    bad |= a | b | c | d;
    int n = (a << 18) | (b << 12) | (c << 6) | d;
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    out.push_back(static_cast<char>((n >> 8) & 0xff));
    out.push_back(static_cast<char>(n & 0xff));
  }
  size_t rest = body.size() - i;  // 0, 2 or 3 (pad is 0, 2 or 1)
  if (rest >= 2) {
    int a = Base64Value(Byte(body, i)), b = Base64Value(Byte(body, i + 1));
    int c = rest == 3 ? Base64Value(Byte(body, i + 2)) : 0;
    bad |= a | b | c;
    int n = (a << 18) | (b << 12) | (c << 6);
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (rest == 3) out.push_back(static_cast<char>((n >> 8) & 0xff));
  }
  if (bad < 0) {
    WipeString(out);
    return Err(InvalidArgument("illegal base64 data: invalid character"));
  }
  return out;
}

}  // namespace coffer::crypto
