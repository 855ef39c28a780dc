// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "dcbot/result.h"
#include "store/db.h"
#include "store/migrations.h"

namespace dcbot::store {

// The dcbot schema: every migration of the bot's database, v1 first. schema.cpp documents the
// tables; new tables and columns come as new migrations appended in schema.cpp.
const Migrations& schema();

// Opens the database at `path` (or ":memory:") and migrates it to schema().latest().
// Errc::Io on SQLite errors, Errc::Unsupported if the file was written by a newer dcbot.
Result<Db> open_store(const std::string& path, OpenOptions options = {});

}  // namespace dcbot::store
