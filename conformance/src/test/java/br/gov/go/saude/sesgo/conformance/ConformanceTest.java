package br.gov.go.saude.sesgo.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance oracle (ADR 0032): HAPI FHIR's instance validator, offline, with FHIR R4
 * core and the guide's official package ({@code fhir/ig/br.go.ses.seguranca-0.1.2}) in its
 * support chain. Every case of the list that {@code cargo xtask test conformance} writes
 * (system property {@code sesgo.conformance.cases}) is one test: the file is validated
 * against the case's profile, and its error/fatal messages must be exactly the case's
 * {@code expectedErrors} (usually none). Warnings and information are printed, never
 * accepted as errors and never failing.
 */
class ConformanceTest {
    private static final String PACKAGE_PROPERTY = "sesgo.conformance.package";
    private static final String CASES_PROPERTY = "sesgo.conformance.cases";

    private static final String OPERATION_OUTCOME_PROFILE =
            "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/operation-outcome-assinatura";

    private static FhirContext ctx;
    private static FhirValidator validator;
    private static Path packageDir;
    private static int loaded;

    @BeforeAll
    static void setUp() throws IOException {
        packageDir = Path.of(System.getProperty(PACKAGE_PROPERTY,
                "../fhir/ig/br.go.ses.seguranca-0.1.2"));
        ctx = FhirContext.forR4();
        IParser parser = ctx.newJsonParser();
        PrePopulatedValidationSupport guide = new PrePopulatedValidationSupport(ctx);
        // The package's conformance resources (its root folder, as `package.json`'s
        // "directories.lib" says; examples are in example/ and not loaded).
        try (Stream<Path> files = Files.list(packageDir)) {
            for (Path f : files.sorted().collect(Collectors.toList())) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".json") || name.equals("package.json")) {
                    continue;
                }
                IBaseResource r = parser.parseResource(Files.readString(f, StandardCharsets.UTF_8));
                switch (r.fhirType()) {
                    case "StructureDefinition" -> guide.addStructureDefinition(r);
                    case "CodeSystem" -> guide.addCodeSystem(r);
                    case "ValueSet" -> guide.addValueSet(r);
                    default -> {
                        continue;
                    }
                }
                loaded++;
            }
        }
        ValidationSupportChain chain = new ValidationSupportChain(
                guide,
                new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx));
        FhirInstanceValidator module = new FhirInstanceValidator(chain);
        // Offline: nothing may be fetched; unknown external code systems stay warnings.
        module.setNoTerminologyChecks(false);
        module.setAnyExtensionsAllowed(true);
        validator = ctx.newValidator().registerValidatorModule(module);
    }

    @Test
    void guidePackageIsLoaded() {
        // 6 StructureDefinitions, 1 CodeSystem, 1 ValueSet.
        assertEquals(8, loaded, "conformance resources loaded from " + packageDir);
    }

    /**
     * The oracle rejects what it must: a guide example whose code is not in the guide's
     * CodeSystem (required binding) and whose severity is not an IssueType severity.
     */
    @Test
    void oracleRejectsAWrongCodeAndSeverity() throws IOException {
        String example = Files.readString(packageDir.resolve(
                "example/OperationOutcome-ExemploOperationOutcomeFalhaFatal.json"),
                StandardCharsets.UTF_8);
        String broken = example.replace("\"code\":\"CRYPTO.SIGNATURE-CREATION-FAILED\"",
                "\"code\":\"CRYPTO.NO-SUCH-CODE\"").replace("\"severity\":\"fatal\"",
                "\"severity\":\"bogus\"");
        assertFalse(broken.equals(example), "the example was altered");
        ValidationOptions options = new ValidationOptions()
                .addProfile(OPERATION_OUTCOME_PROFILE);
        List<String> errors = validator.validateWithResult(broken, options).getMessages()
                .stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR
                        || m.getSeverity() == ResultSeverityEnum.FATAL)
                .map(ConformanceTest::render)
                .collect(Collectors.toList());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(
                "OperationOutcome.issue[0].details.coding[0]: ") && e.contains("CRYPTO.NO-SUCH-CODE")),
                String.join("\n", errors));
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(
                "OperationOutcome.issue[0].severity: ") && e.contains("bogus")),
                String.join("\n", errors));
    }

    /** The guide's own examples validate with zero errors: the oracle is set up right. */
    @TestFactory
    Stream<DynamicTest> guideExamples() throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(packageDir.resolve("example"))) {
            examples = files.sorted().collect(Collectors.toList());
        }
        assertFalse(examples.isEmpty(), "the package has examples");
        return examples.stream().map(f -> DynamicTest.dynamicTest(
                "guide example " + f.getFileName(),
                () -> check(f.getFileName().toString(), f, null, List.of())));
    }

    /** sesgo's outputs, as listed by `cargo xtask test conformance`. */
    @TestFactory
    Stream<DynamicTest> sesgoOutputs() throws IOException {
        String list = System.getProperty(CASES_PROPERTY);
        if (list == null || list.isEmpty()) {
            throw new IllegalStateException("system property " + CASES_PROPERTY
                    + " is not set: run `cargo xtask test conformance`");
        }
        JsonNode cases = new ObjectMapper().readTree(Path.of(list).toFile());
        assertTrue(cases.isArray() && cases.size() > 0, "the case list is a non-empty array");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            Path file = Path.of(c.get("file").asText());
            String profile = c.hasNonNull("profile") ? c.get("profile").asText() : null;
            List<String> expected = new ArrayList<>();
            c.path("expectedErrors").forEach(e -> expected.add(e.asText()));
            tests.add(DynamicTest.dynamicTest(name, () -> check(name, file, profile, expected)));
        }
        return tests.stream();
    }

    /** One message as the expectations spell it: `location: message`. */
    private static String render(SingleValidationMessage m) {
        return m.getLocationString() + ": " + m.getMessage();
    }

    private static void check(String name, Path file, String profile, List<String> expectedErrors)
            throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        ValidationOptions options = new ValidationOptions();
        if (profile != null) {
            options.addProfile(profile);
        }
        ValidationResult result = validator.validateWithResult(text, options);
        List<String> errors = new ArrayList<>();
        StringBuilder report = new StringBuilder();
        for (SingleValidationMessage m : result.getMessages()) {
            report.append("  ").append(m.getSeverity().getCode()).append(' ')
                    .append(render(m)).append('\n');
            if (m.getSeverity() == ResultSeverityEnum.ERROR
                    || m.getSeverity() == ResultSeverityEnum.FATAL) {
                errors.add(render(m));
            }
        }
        System.out.println("[conformance] " + name + " (" + file.getFileName() + ", profile "
                + (profile == null ? "declared/base" : profile) + "): "
                + errors.size() + " error(s), " + result.getMessages().size() + " message(s)");
        System.out.print(report);
        List<String> want = expectedErrors.stream().sorted().collect(Collectors.toList());
        List<String> got = errors.stream().sorted().collect(Collectors.toList());
        assertEquals(String.join("\n", want), String.join("\n", got),
                name + ": HAPI FHIR's errors differ from the expected ones");
    }
}
