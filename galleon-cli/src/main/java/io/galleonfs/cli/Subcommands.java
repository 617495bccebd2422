package io.galleonfs.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The subcommands of a command group, in the order help lists them. It replaces picocli's own
 * {@code @Command(subcommands = ...)}, which makes picocli build every subcommand of a group whenever the group is
 * built: {@link CommandTree} adds only the subcommand a call names (all of them for help and completion), and picocli
 * scanning the ~20 classes under {@code volume} was ~0.1 s of {@code volume list} (ARCHITECTURE, "CLI start-up").
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface Subcommands {
    Class<?>[] value();
}
