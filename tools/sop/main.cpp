// SPDX-License-Identifier: MIT
#include "sop.h"

int main(int argc, char** argv) {
  return dcbot::sop::run(argc, argv);
}
