package io.weir.distro;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.weir.filters.archfixture.ReachesIntoTheKernel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph of STYLE.md, checked on the compiled classes of every module on distro's class
 * path (test classes excluded: a filter's integration test may start a real kernel).
 *
 * <p>{@code allowEmptyShould(true)} is set on the rules whose subject package has no classes yet
 * (spi, filters, tracing are still empty modules); without it ArchUnit fails a rule that checks
 * nothing. Once a module has classes, the flag changes nothing, and {@link
 * #everyModuleIsImported()} says when to remove it.
 */
class ModuleBoundariesTest {
    static final ArchRule SPI_USES_ONLY_THE_JDK =
            classes()
                    .that()
                    .resideInAPackage("io.weir.spi..")
                    .should()
                    .onlyDependOnClassesThat()
                    .resideInAnyPackage("java..", "io.weir.spi..")
                    .because("plugins compile against the SPI alone (STYLE.md)")
                    .allowEmptyShould(true); // spi has no classes yet

    static final ArchRule FILTERS_STAY_OUT_OF_THE_KERNEL =
            noClasses()
                    .that()
                    .resideInAPackage("io.weir.filters..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("io.weir.kernel..", "io.netty..")
                    .because("built-in filters use only the SPI, like any plugin")
                    .allowEmptyShould(true); // filters-builtin has no classes yet

    static final ArchRule KERNEL_NAMES_NO_EXTENSION =
            noClasses()
                    .that()
                    .resideInAPackage("io.weir.kernel..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "io.weir.filters..", "io.weir.tracing..", "io.weir.distro..")
                    .because("the kernel finds extensions through ServiceLoader only");

    static final ArchRule TRACING_STAYS_OUT_OF_THE_KERNEL =
            noClasses()
                    .that()
                    .resideInAPackage("io.weir.tracing..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("io.weir.kernel..")
                    .because("tracing plugs in through the SPI")
                    .allowEmptyShould(true); // tracing has no classes yet

    static JavaClasses weir;

    @BeforeAll
    static void importWeir() {
        weir =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("io.weir");
    }

    @Test
    void spiDependsOnlyOnTheJdk() {
        SPI_USES_ONLY_THE_JDK.check(weir);
    }

    @Test
    void filtersNeverTouchTheKernelOrNetty() {
        FILTERS_STAY_OUT_OF_THE_KERNEL.check(weir);
    }

    @Test
    void kernelNeverNamesFiltersTracingOrDistro() {
        KERNEL_NAMES_NO_EXTENSION.check(weir);
    }

    @Test
    void tracingNeverTouchesTheKernel() {
        TRACING_STAYS_OUT_OF_THE_KERNEL.check(weir);
    }

    /** The rules above are only as good as the import; this fails if it found nothing. */
    @Test
    void everyModuleIsImported() {
        assertThat(weir.containPackage("io.weir.kernel.server")).isTrue();
        assertThat(weir.containPackage("io.weir.distro")).isTrue();
        // Once weir.containPackage("io.weir.spi") (or .filters, .tracing) is true, assert it here
        // and drop allowEmptyShould from that module's rule.
    }

    /** A rule that can never fail is no check: show that one catches a class breaking it. */
    @Test
    void theFilterRuleCatchesAFilterThatReachesIntoTheKernel() {
        JavaClasses offender = new ClassFileImporter().importClasses(ReachesIntoTheKernel.class);

        assertThat(FILTERS_STAY_OUT_OF_THE_KERNEL.evaluate(offender).hasViolation()).isTrue();
    }
}
