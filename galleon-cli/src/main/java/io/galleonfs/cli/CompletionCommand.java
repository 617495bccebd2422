package io.galleonfs.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code galleonfs completion bash|zsh}: the completion script picocli generates from the command tree, so it always
 * matches the commands and options of this build. The script is a bash script that also runs in zsh (it loads zsh's
 * bashcompinit itself).
 */
@Command(name = "completion", description = "Print a shell completion script: source <(galleonfs completion bash)",
        mixinStandardHelpOptions = true)
class CompletionCommand implements Runnable {
    enum Shell { bash, zsh }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh")
    Shell shell;

    @Override
    public void run() {
        CommandLine root = spec.root().commandLine();
        String script = AutoComplete.bash(root.getCommandName(), root);
        if (shell == Shell.zsh) {
            System.out.println("# zsh: picocli's script runs through zsh's bashcompinit, which it loads itself");
        }
        System.out.print(script);
        System.out.flush();
    }
}
