package io.github.eventbus.handlers;

/**
 * Which checksum {@link FileWatcher} computes for created and modified files.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum ChecksumAlgorithm {
  /** No checksum; identical rewrites are reported as modifications. */
  NONE(null),
  /** SHA-256, the default. */
  SHA256("SHA-256"),
  /** MD5, only for compatibility with systems that expect it; not collision-resistant. */
  MD5("MD5");

  final String jdkName;

  ChecksumAlgorithm(String jdkName) {
    this.jdkName = jdkName;
  }
}
