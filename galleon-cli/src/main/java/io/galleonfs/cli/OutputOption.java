package io.galleonfs.cli;

import picocli.CommandLine.Option;

/** {@code -o table|json|yaml} on every command that prints a result. */
public class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "Output format: table, json or yaml (default ${DEFAULT-VALUE})")
    Output output = Output.table;

    public Output format() {
        return output;
    }

    public enum Output { table, json, yaml }
}
