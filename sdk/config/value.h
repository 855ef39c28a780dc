// SPDX-License-Identifier: MIT
#pragma once

// The config tree is public API (plugins read their `config:` block through it); the config layer
// implements it (value.cpp).
#include "dcbot/value.h"
