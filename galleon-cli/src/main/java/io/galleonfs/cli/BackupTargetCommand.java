package io.galleonfs.cli;

import io.galleonfs.api.BackupTargetInfo;
import io.galleonfs.api.CreateBackupTargetRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs backup-target <command>}: where backups are stored (admin). */
@Subcommands({BackupTargetCommand.Create.class, BackupTargetCommand.ListTargets.class, BackupTargetCommand.Get.class,
    BackupTargetCommand.Delete.class})
@Command(name = "backup-target", description = "Manage backup targets (directories and S3 buckets; admin only)",
        mixinStandardHelpOptions = true)
public class BackupTargetCommand {
    static final String PASSPHRASE_ENV = "GALLEONFS_BACKUP_PASSPHRASE";

    @Command(name = "create", description = "Create a target: initialises its repository, or adopts an existing one with its passphrase",
            mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--url", required = true, description = "file:///path or s3://bucket/prefix")
        String url;
        @Option(names = "--endpoint", description = "S3 endpoint URL (MinIO, Ceph, ...)")
        String endpoint;
        @Option(names = "--region", description = "S3 region")
        String region;
        @Option(names = "--path-style", description = "S3 path-style addressing")
        boolean pathStyle;
        @Option(names = "--access-key-id", description = "S3 access key id (default: the usual AWS sources)")
        String accessKeyId;
        @Option(names = "--secret-access-key-file", paramLabel = "FILE", description = "File holding the S3 secret access key")
        Path secretFile;
        @Option(names = "--passphrase-file", paramLabel = "FILE",
                description = "File holding the recovery passphrase (default: $" + PASSPHRASE_ENV + ")")
        Path passphraseFile;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            String passphrase = passphraseFile != null ? readSecret(passphraseFile, "passphrase") : System.getenv(PASSPHRASE_ENV);
            if (passphrase == null || passphrase.isBlank()) {
                throw new ErrorHandler.CliException("a recovery passphrase is required: --passphrase-file FILE or $" + PASSPHRASE_ENV);
            }
            String secret = secretFile == null ? null : readSecret(secretFile, "secret access key");
            BackupTargetInfo t = ApiClients.api().createBackupTarget(new CreateBackupTargetRequest(name, url, endpoint, region, pathStyle,
                    accessKeyId, secret, passphrase));
            Printer.print(System.out, out.format(), t, o -> o.println("Created backup target " + t.name() + " (" + t.url() + ", repository "
                    + t.repositoryId() + (t.backups() > 0 ? ", " + t.backups() + " existing backup(s) imported" : "") + ")"));
        }
    }

    static String readSecret(Path file, String what) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ErrorHandler.CliException("cannot read the " + what + " from " + file + ": " + e.getMessage());
        }
    }

    @Command(name = "list", description = "List backup targets", mixinStandardHelpOptions = true)
    static class ListTargets implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<BackupTargetInfo> all = ApiClients.api().listBackupTargets();
            Printer.print(System.out, out.format(), all, o -> {
                Printer.Table t = new Printer.Table("NAME", "URL", "ENDPOINT", "BACKUPS", "CREATED");
                for (BackupTargetInfo i : all) {
                    t.row(i.name(), i.url(), i.endpoint(), i.backups(), i.createdAt());
                }
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Show a backup target (never its secrets)", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            BackupTargetInfo i = ApiClients.api().getBackupTarget(name);
            Printer.print(System.out, out.format(), i, o -> Printer.fields(o, "Name", i.name(), "URL", i.url(), "Endpoint", i.endpoint(),
                    "Region", i.region(), "Path style", i.pathStyle(), "Access key id", i.accessKeyId(),
                    "Secret key stored", i.hasSecretAccessKey(), "Repository", i.repositoryId(), "Backups", i.backups(),
                    "Created", i.createdAt()));
        }
    }

    @Command(name = "delete", description = "Delete a target (refused while backups reference it unless --force; "
            + "the repository's data is left in place)", mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--force", description = "Also forget the catalog entries of its backups")
        boolean force;

        @Override
        public void run() {
            ApiClients.api().deleteBackupTarget(name, force);
            System.out.println("Deleted backup target " + name);
        }
    }
}
