package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandTreeTest {

    private static List<String> names(CommandLine cl) {
        return List.copyOf(cl.getSubcommands().keySet()).stream().filter(n -> !n.equals("umount")).toList();
    }

    private static List<String> declared(Class<?> group) {
        return java.util.Arrays.stream(group.getAnnotation(Subcommands.class).value())
                .map(c -> c.getAnnotation(CommandLine.Command.class).name()).toList();
    }

    @Test
    void aCallBuildsOnlyThePathItNames() {
        CommandLine cl = GalleonCli.commandLine(new String[] {"--daemon-address", "h:1", "volume", "--token", "list", "list", "-o", "json"});
        assertEquals(List.of("volume"), names(cl));
        assertEquals(List.of("list"), names(cl.getSubcommands().get("volume")), "the value of --token is not the subcommand");

        CommandLine join = GalleonCli.commandLine(new String[] {"cluster", "join-token", "create"});
        assertEquals(List.of("join-token"), names(join.getSubcommands().get("cluster")));
        assertEquals(List.of("create"), names(join.getSubcommands().get("cluster").getSubcommands().get("join-token")));
    }

    @Test
    void aCallThatNamesNoSubcommandGetsTheWholeSubtreeInDeclaredOrder() {
        for (String[] args : List.of(new String[] {"volume"}, new String[] {"volume", "--help"}, new String[] {"volume", "lsit"})) {
            CommandLine volume = GalleonCli.commandLine(args).getSubcommands().get("volume");
            assertEquals(declared(VolumeCommand.class), names(volume), String.join(" ", args));
            assertEquals(declared(SnapshotCommand.class), names(volume.getSubcommands().get("snapshot")));
        }
    }

    @Test
    void helpCompletionAndUnknownWordsGetTheWholeTree() {
        List<String> all = GalleonCli.COMMANDS.stream().map(c -> c.getAnnotation(CommandLine.Command.class).name()).toList();
        for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"completion", "bash"},
                new String[] {"volum", "list"}, new String[] {"--", "volume"})) {
            CommandLine cl = GalleonCli.commandLine(args);
            assertEquals(all, names(cl), String.join(" ", args));
            assertEquals(declared(ClusterCommand.class), names(cl.getSubcommands().get("cluster")));
        }
    }

    @Test
    void anAliasNamesItsCommand() {
        CommandLine volume = GalleonCli.commandLine(new String[] {"volume", "umount", "v"}).getSubcommands().get("volume");
        assertEquals(List.of("unmount"), names(volume));
    }

    @Test
    void aPrunedTreeParsesAndAnswersLikeTheWholeOne() {
        StringWriter err = new StringWriter();
        CommandLine cl = GalleonCli.commandLine(new String[] {"volume", "list", "--bogus"});
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("volume", "list", "--bogus"));
        assertEquals("error: Unknown option: '--bogus' (see --help)", err.toString().strip());
    }
}
