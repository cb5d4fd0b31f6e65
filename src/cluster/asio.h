#pragma once
// The one place cluster/ includes Boost.Asio (1.81). Costly to compile: included only by
// conn.cc, transport.cc and transport_streams.cc (through conn.h), never by a public header.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace coffer::cluster {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
// Every awaited operation reports its error as a value: nothing throws on the I/O thread.
inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

}  // namespace coffer::cluster
