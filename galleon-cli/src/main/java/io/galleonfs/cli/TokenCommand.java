package io.galleonfs.cli;

import io.galleonfs.api.CreateTokenRequest;
import io.galleonfs.api.TokenInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs token <command>}: API tokens (needs an admin token). */
@Subcommands({TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
@Command(name = "token", description = "Manage API tokens (admin only)", mixinStandardHelpOptions = true)
public class TokenCommand {

    @Command(name = "create", description = "Create a token; its secret is printed once and cannot be shown again",
            mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Option(names = "--name", required = true, description = "Unique name, e.g. ci")
        String name;
        @Option(names = "--role", required = true, description = "admin, operator or viewer")
        String role;
        @Option(names = "--ttl", description = "Lifetime, e.g. 30d, 12h, 2w (default: no expiry)")
        String ttl;
        @Option(names = "--namespace", description = "Limit an operator or viewer token to this namespace (repeatable; default: every namespace)")
        List<String> namespaces;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            TokenInfo t = ApiClients.api().createToken(new CreateTokenRequest(name, role, ttl, namespaces));
            Printer.print(System.out, out.format(), t, o -> {
                o.println(t.secret());
                System.err.println("Created token " + t.name() + " (role " + t.role()
                        + (t.expiresAt() == null ? "" : ", expires " + t.expiresAt()) + "); store the secret now: it is not shown again");
            });
        }
    }

    @Command(name = "list", description = "List tokens (never their secrets)", mixinStandardHelpOptions = true)
    static class ListTokens implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<TokenInfo> tokens = ApiClients.api().listTokens();
            Printer.print(System.out, out.format(), tokens, o -> {
                Printer.Table t = new Printer.Table("NAME", "ROLE", "CREATED", "EXPIRES", "ID", "NAMESPACES");
                for (TokenInfo i : tokens) {
                    t.row(i.name(), i.role(), i.createdAt(), i.expiresAt() == null ? "never" : i.expiresAt(), i.id(),
                            i.namespaces() == null || i.namespaces().isEmpty() ? "*" : String.join(",", i.namespaces()));
                }
                t.print(o);
            });
        }
    }

    @Command(name = "revoke", description = "Revoke a token: requests with it are refused from now on", mixinStandardHelpOptions = true)
    static class Revoke implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            ApiClients.api().revokeToken(name);
            System.out.println("Revoked token " + name);
        }
    }
}
