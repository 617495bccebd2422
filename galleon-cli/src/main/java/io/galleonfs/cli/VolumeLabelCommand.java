package io.galleonfs.cli;

import io.galleonfs.api.Labels;
import io.galleonfs.api.VolumeInfo;
import io.galleonfs.api.VolumeLabelsRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs volume label VOL k=v ... [--remove k]}: add, change and remove a volume's labels. */
@Command(name = "label", description = "Add, change (KEY=VALUE) or remove (--remove KEY) labels of a volume", mixinStandardHelpOptions = true)
class VolumeLabelCommand implements Runnable {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume name or UUID")
    String ref;
    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Labels to add or overwrite")
    List<String> set;
    @Option(names = "--remove", paramLabel = "KEY", description = "A label to remove (repeatable)")
    List<String> remove;
    @Mixin
    OutputOption out;

    @Override
    public void run() {
        if ((set == null || set.isEmpty()) && (remove == null || remove.isEmpty())) {
            throw new ErrorHandler.CliException("nothing to do: give KEY=VALUE labels and/or --remove KEY");
        }
        VolumeInfo v = ApiClients.api().setVolumeLabels(ref, new VolumeLabelsRequest(parse(set), remove));
        Printer.print(System.out, out.format(), v, o -> o.println("Volume " + v.name() + " labels: " + format(v.labels())));
    }

    /** KEY=VALUE arguments as a map (null when none), refusing an argument without '=' before anything is sent. */
    static Map<String, String> parse(List<String> args) {
        if (args == null || args.isEmpty()) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String a : args) {
            try {
                Map.Entry<String, String> e = Labels.parse(a);
                labels.put(e.getKey(), e.getValue());
            } catch (IllegalArgumentException e) {
                throw new ErrorHandler.CliException(e.getMessage());
            }
        }
        return labels;
    }

    static String format(Map<String, String> labels) {
        return labels == null || labels.isEmpty() ? "-"
                : new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }
}
