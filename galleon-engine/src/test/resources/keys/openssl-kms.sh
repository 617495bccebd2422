#!/bin/sh
# Test double of a KMS for CommandKeyProvider: "wrap"/"unwrap" with base64 on stdin and stdout, the "master key" is
# the passphrase file named by KMS_KEY_FILE (openssl enc, AES-256-CBC with PBKDF2). KMS_FAIL makes it fail like a
# KMS that refuses; KMS_SLEEP makes it hang.
set -eu
if [ -n "${KMS_SLEEP:-}" ]; then sleep "$KMS_SLEEP"; fi
if [ -n "${KMS_FAIL:-}" ]; then echo "kms: access denied for key alias/galleon" >&2; exit 3; fi
case "${1:-}" in
  wrap) base64 -d | openssl enc -aes-256-cbc -pbkdf2 -salt -pass "file:$KMS_KEY_FILE" | base64 -w0; echo ;;
  unwrap) base64 -d | openssl enc -d -aes-256-cbc -pbkdf2 -pass "file:$KMS_KEY_FILE" | base64 -w0; echo ;;
  *) echo "usage: $0 wrap|unwrap" >&2; exit 2 ;;
esac
