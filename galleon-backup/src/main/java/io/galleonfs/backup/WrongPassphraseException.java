package io.galleonfs.backup;

/** The recovery passphrase or cluster key does not unwrap any key of the repository: operator input, 4xx. */
public class WrongPassphraseException extends BackupException {
    public WrongPassphraseException(String message) {
        super(message);
    }

    public WrongPassphraseException(String message, Throwable cause) {
        super(message, cause);
    }
}
