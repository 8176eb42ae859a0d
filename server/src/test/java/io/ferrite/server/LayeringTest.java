package io.ferrite.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.ferrite.server.metadata.LayeringViolation;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The layering of modules and of the server's packages, checked on the compiled classes (every dependency,
 * not only imports). A class that depends against it fails this test with the offending line named.
 */
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.ferrite");

    /**
     * Server packages, one way: config ← metadata ← {log, admin, group, txn} → network → config; security is
     * used by admin, group and network and reads only config, and so is quota (used by log, admin and network);
     * metrics reads metadata and is fed by network and the data plane; http (the HTTP listener) serves metrics,
     * and the console (read-only, over metadata, metrics and config) through the handlers the root hands it; the
     * root package only wires, and nothing depends on it, nor on the command-line tools (tool), which read config
     * and metadata.
     */
    static final ArchRule SERVER_PACKAGES = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Root").definedBy("io.ferrite.server")
            .layer("Network").definedBy("io.ferrite.server.network..")
            .layer("Config").definedBy("io.ferrite.server.config..")
            .layer("Metadata").definedBy("io.ferrite.server.metadata..")
            .layer("Log").definedBy("io.ferrite.server.log..")
            .layer("Admin").definedBy("io.ferrite.server.admin..")
            .layer("Group").definedBy("io.ferrite.server.group..")
            .layer("Txn").definedBy("io.ferrite.server.txn..")
            .layer("Security").definedBy("io.ferrite.server.security..")
            .layer("Quota").definedBy("io.ferrite.server.quota..")
            .layer("Metrics").definedBy("io.ferrite.server.metrics..")
            .layer("Http").definedBy("io.ferrite.server.http..")
            .layer("Console").definedBy("io.ferrite.server.console..")
            .layer("Tool").definedBy("io.ferrite.server.tool..")
            .whereLayer("Root").mayNotBeAccessedByAnyLayer()
            .whereLayer("Log").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Admin").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Group").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Txn").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Metadata").mayOnlyBeAccessedByLayers("Log", "Admin", "Group", "Txn", "Metrics", "Console",
                    "Tool", "Root")
            .whereLayer("Network").mayOnlyBeAccessedByLayers("Log", "Admin", "Group", "Txn", "Root")
            .whereLayer("Security").mayOnlyBeAccessedByLayers("Network", "Admin", "Group", "Root")
            .whereLayer("Quota").mayOnlyBeAccessedByLayers("Network", "Log", "Admin", "Root")
            .whereLayer("Config").mayOnlyBeAccessedByLayers("Network", "Metadata", "Log", "Admin", "Group", "Txn",
                    "Security", "Quota", "Console", "Tool", "Root")
            .whereLayer("Config").mayNotAccessAnyLayer()
            .whereLayer("Security").mayOnlyAccessLayers("Config")
            .whereLayer("Quota").mayOnlyAccessLayers("Config")
            .whereLayer("Http").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Http").mayOnlyAccessLayers("Metrics")
            .whereLayer("Console").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Tool").mayNotBeAccessedByAnyLayer()
            .whereLayer("Tool").mayOnlyAccessLayers("Metadata", "Config")
            .whereLayer("Console").mayOnlyAccessLayers("Metrics", "Metadata", "Config")
            .whereLayer("Metrics").mayOnlyBeAccessedByLayers("Network", "Log", "Admin", "Group", "Txn", "Http", "Console",
                    "Root")
            .whereLayer("Metrics").mayOnlyAccessLayers("Metadata", "Config");

    /** Modules, one way: storage and protocol stand alone; coordinators sit on storage; only the server sees all. */
    static final List<ArchRule> MODULES = List.of(
            noClasses().that().resideInAPackage("io.ferrite.storage..").should().dependOnClassesThat()
                    .resideInAnyPackage("io.ferrite.protocol..", "io.ferrite.coordinator..", "io.ferrite.group..",
                            "io.ferrite.txn..", "io.ferrite.server.."),
            noClasses().that().resideInAPackage("io.ferrite.protocol..").should().dependOnClassesThat()
                    .resideInAnyPackage("io.ferrite.storage..", "io.ferrite.coordinator..", "io.ferrite.group..",
                            "io.ferrite.txn..", "io.ferrite.server.."),
            noClasses().that().resideInAPackage("io.ferrite.coordinator..").should().dependOnClassesThat()
                    .resideInAnyPackage("io.ferrite.protocol..", "io.ferrite.group..", "io.ferrite.txn..",
                            "io.ferrite.server.."),
            noClasses().that().resideInAPackage("io.ferrite.group..").should().dependOnClassesThat()
                    .resideInAnyPackage("io.ferrite.protocol..", "io.ferrite.txn..", "io.ferrite.server.."),
            noClasses().that().resideInAPackage("io.ferrite.txn..").should().dependOnClassesThat()
                    .resideInAnyPackage("io.ferrite.protocol..", "io.ferrite.group..", "io.ferrite.server.."),
            noClasses().that().resideInAPackage("io.ferrite.group.assignor..").should().dependOnClassesThat()
                    .resideInAnyPackage("io.ferrite.group", "io.ferrite.coordinator..", "io.ferrite.storage.."));

    @Test
    void serverPackagesDependOneWay() {
        SERVER_PACKAGES.check(MAIN);
    }

    @Test
    void modulesDependOneWay() {
        MODULES.forEach(rule -> rule.check(MAIN));
    }

    /** The rule is not vacuous: a metadata class reaching into the data plane (a test fixture) breaks it. */
    @Test
    void aWrongDependencyIsCaught() {
        JavaClasses withViolation = new ClassFileImporter().importClasses(LayeringViolation.class,
                io.ferrite.server.log.LogApis.class);
        assertTrue(SERVER_PACKAGES.evaluate(withViolation).hasViolation());
        assertTrue(MAIN.size() > 200, "the main classes of every module were found: " + MAIN.size());
    }
}
