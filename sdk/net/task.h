// SPDX-License-Identifier: MIT
#pragma once

#include <boost/asio/awaitable.hpp>

namespace dcbot {

// A coroutine that runs on the io thread's executor (STYLE.md §2). Parameters are taken by value
// and every network wait inside has a deadline.
template <class T = void>
using Task = boost::asio::awaitable<T>;

}  // namespace dcbot
