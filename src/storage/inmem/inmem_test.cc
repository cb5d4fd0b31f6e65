#include "storage/inmem/inmem.h"

#include "storage/testing.h"

namespace coffer::storage {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Inmem, BackendConformanceTest,
    ::testing::Values(SimpleBackend("Inmem", [] { return std::make_unique<InmemBackend>(); })),
    BackendParamName);

}  // namespace
}  // namespace coffer::storage
