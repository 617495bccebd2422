package io.galleonfs.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Builds the picocli command tree for one call, with only the commands the call's arguments name. Picocli reads the
 * annotations of every command class it is given, fields and methods included, and that scan dominated a CLI call's
 * start-up (~0.4 s for the whole tree of ~90 classes, ~0.1 s for the ~20 under {@code volume}). So at every level only
 * the subcommand named by the next word of the arguments is built; when the next word names none of them (help, a
 * typo, no word at all), the whole subtree is built, so picocli's help and "did you mean" answers are unchanged.
 */
final class CommandTree {
    /** Options that every command inherits from {@code galleonfs} and whose value is the next argument. */
    private static final List<String> INHERITED_WITH_VALUE = List.of("--daemon-address", "--token", "--ca-cert");

    private CommandTree() {
    }

    /** Adds to {@code parent} the {@code children} that {@code args} from index {@code from} on need. */
    static void addSubcommands(CommandLine parent, List<Class<?>> children, String[] args, int from) {
        int at = nextWord(args, from);
        Class<?> named = at < 0 ? null : named(children, args[at]);
        for (Class<?> c : children) {
            if (named == null || c == named) {
                CommandLine sub = new CommandLine(c);
                Subcommands grandChildren = c.getAnnotation(Subcommands.class);
                if (grandChildren != null) {
                    addSubcommands(sub, List.of(grandChildren.value()), args, named == null ? args.length : at + 1);
                }
                parent.addSubcommand(sub);
            }
        }
    }

    /** The child whose name or alias is {@code word}; null for none, and for commands that need the whole tree. */
    static Class<?> named(List<Class<?>> children, String word) {
        for (Class<?> c : children) {
            Command cmd = c.getAnnotation(Command.class);
            if (cmd != null && (cmd.name().equals(word) || List.of(cmd.aliases()).contains(word))) {
                return c == CompletionCommand.class ? null : c; // completion prints the whole tree
            }
        }
        return null;
    }

    /** Index of the first argument from {@code from} on that is neither an option nor an inherited option's value, or -1. */
    static int nextWord(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return -1; // everything after it is a parameter: let picocli see the whole subtree
            }
            if (!a.startsWith("-")) {
                return i;
            }
            if (INHERITED_WITH_VALUE.contains(a)) {
                i++;
            }
        }
        return -1;
    }
}
