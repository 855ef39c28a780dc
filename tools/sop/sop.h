// SPDX-License-Identifier: MIT
#pragma once

// dcbot-sop: the Stateless OpenPGP command line (draft-dkg-openpgp-stateless-cli) over sdk/pgp.
// Data comes from stdin and goes to stdout; keys, certificates and signatures are file arguments;
// diagnostics go to stderr. The process exit code is the SOP failure code (0 on success).
namespace dcbot::sop {

// SOP exit codes (draft-dkg-openpgp-stateless-cli §7).
inline constexpr int kOk = 0;
inline constexpr int kGenericError = 1;
inline constexpr int kNoSignature = 3;
inline constexpr int kUnsupportedAsymmetricAlgo = 13;
inline constexpr int kCertCannotEncrypt = 17;
inline constexpr int kMissingArg = 19;
inline constexpr int kIncompleteVerification = 23;
inline constexpr int kCannotDecrypt = 29;
inline constexpr int kUnsupportedOption = 37;
inline constexpr int kBadData = 41;
inline constexpr int kExpectedText = 53;
inline constexpr int kOutputExists = 59;
inline constexpr int kMissingInput = 61;
inline constexpr int kKeyIsProtected = 67;
inline constexpr int kUnsupportedSubcommand = 69;
inline constexpr int kKeyCannotSign = 79;
inline constexpr int kIncompatibleOptions = 83;
inline constexpr int kUnsupportedProfile = 89;

// Runs one SOP invocation (argv[1] is the verb) and returns its exit code. Never throws.
int run(int argc, char** argv);

}  // namespace dcbot::sop
