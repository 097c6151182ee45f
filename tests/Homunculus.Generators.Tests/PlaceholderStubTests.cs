using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Homunculus.Generators.Tests
{
    /// <summary>
    /// Before the first build (docs/csharp-stub.md): in design-time builds a .hspec whose model file is missing
    /// gets a placeholder stub made from the .hspec alone; in real builds the missing model file is HMC8006.
    /// </summary>
    public class PlaceholderStubTests
    {
        private const string SpecPath = "/src/app/anomaly.hspec";
        private const string ModelPath = "/src/app/obj/Debug/net10.0/homunculus/anomaly/model.json";

        private const string Spec = """
            {
              "$schema": "obj/hspec.schema.json",
              // Comments are allowed, as in the compiler.
              "name": "Anomaly Detector",
              "data": {
                "train": "data/train.csv",
                "label": "label",
                "classes": { "normal": ["normal"], "attack": "*" } /* declared order */
              },
              "features": [
                { "name": "src_bytes", "type": "integer", "max": 100000 },
                { "name": "same srv rate", "type": "fractional" },
                { "name": "protocol_type", "type": "categorical" },
                "duration"
              ],
              "algorithms": ["dnn"],
              "platform": { "target": "bmv2" }
            }
            """;

        private const string User = """
            namespace Test.App
            {
                internal static class User
                {
                    internal static AnomalyDetector.Class Use()
                    {
                        var row = new AnomalyDetector.Features
                        {
                            SrcBytes = 1L,
                            SameSrvRate = 0.5,
                            ProtocolType = AnomalyDetector.ProtocolType.Unknown,
                            Duration = 2.5,
                        };
                        long a = row.SrcBytes;
                        double b = row.SameSrvRate + row.Duration + a;
                        int n = AnomalyDetector.FeatureCount + AnomalyDetector.ClassCount + AnomalyDetector.FeatureNames.Length + AnomalyDetector.ClassNames.Length;
                        AnomalyDetector.TryGetClass("normal", out var cls);
                        return n > 0 && b > 0 ? AnomalyDetector.Predict(in row) : AnomalyDetector.Class.Attack;
                    }
                }
            }
            """;

        private static Dictionary<string, string> SpecMetadata() => new Dictionary<string, string>
        {
            ["build_metadata.AdditionalFiles.HomunculusSpecFile"] = "true",
            ["build_metadata.AdditionalFiles.HomunculusModelFile"] = ModelPath,
            ["build_metadata.AdditionalFiles.HomunculusSpec"] = SpecPath,
        };

        private static TestOptionsProvider Options(bool designTime) =>
            new TestOptionsProvider(
                new Dictionary<string, string>
                {
                    ["build_property.RootNamespace"] = "Test.App",
                    // The SDK always passes the property; it is empty in real builds.
                    ["build_property.DesignTimeBuild"] = designTime ? "true" : "",
                },
                new Dictionary<string, IDictionary<string, string>>
                {
                    [SpecPath] = SpecMetadata(),
                    [ModelPath] = GeneratorHarness.ModelMetadata(SpecPath),
                });

        private static GeneratorRunResult Run(string? specText, string? modelText, bool designTime)
        {
            var driver = GeneratorHarness.CreateDriver(Options(designTime), new TestAdditionalText(ModelPath, modelText), new TestAdditionalText(SpecPath, specText));
            var result = driver.RunGenerators(GeneratorHarness.EmptyCompilation()).GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            return result;
        }

        private static string Placeholder(string specText)
        {
            var result = Run(specText, null, designTime: true);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8001", diagnostic.Id);
            Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
            var source = Assert.Single(result.GeneratedSources);
            return source.SourceText.ToString();
        }

        [Fact]
        public void Design_time_build_without_model_file_gets_a_placeholder_that_compiles()
        {
            var result = Run(Spec, null, designTime: true);
            var source = Assert.Single(result.GeneratedSources);
            Assert.Equal("AnomalyDetector.g.cs", source.HintName);
            string text = source.SourceText.ToString();
            Assert.StartsWith("// <auto-generated>\n// PLACEHOLDER generated by Homunculus.Generators from anomaly.hspec (model 'Anomaly Detector')", text, StringComparison.Ordinal);
            Assert.Contains("namespace Test.App\n{", text, StringComparison.Ordinal);
            Assert.DoesNotContain('\r', text);
            // The model file is still missing: the warning says so, at the .hspec.
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8001", diagnostic.Id);
            Assert.Equal(SpecPath, diagnostic.Location.GetLineSpan().Path);

            // User code written against the real stub's surface compiles against the placeholder.
            var (compilation, diagnostics) = GeneratorHarness.Compile(false, text, User);
            Assert.Empty(diagnostics);
            var assembly = GeneratorHarness.Load(compilation);
            var stub = assembly.GetType("Test.App.AnomalyDetector", throwOnError: true)!;

            // Features: declared types; an undeclared type is double; a categorical feature's enum holds only Unknown.
            var features = stub.GetNestedType("Features")!;
            Assert.True(features.IsValueType);
            var fields = features.GetFields(BindingFlags.Public | BindingFlags.Instance).OrderBy(f => f.MetadataToken).ToArray();
            Assert.Equal(new[] { "SrcBytes", "SameSrvRate", "ProtocolType", "Duration" }, fields.Select(f => f.Name));
            Assert.Equal(typeof(long), fields[0].FieldType);
            Assert.Equal(typeof(double), fields[1].FieldType);
            Assert.True(fields[2].FieldType.IsEnum);
            Assert.Equal("ProtocolType", fields[2].FieldType.Name);
            Assert.Equal(new[] { "Unknown" }, Enum.GetNames(fields[2].FieldType));
            Assert.Equal(0, Convert.ToInt32(Enum.Parse(fields[2].FieldType, "Unknown"), CultureInfo.InvariantCulture));
            Assert.Equal(typeof(double), fields[3].FieldType);

            // Class: the declared classes in declared order, valued by index.
            var cls = stub.GetNestedType("Class")!;
            Assert.Equal(new[] { "Normal", "Attack" }, Enum.GetValues(cls).Cast<object>().OrderBy(v => Convert.ToInt32(v, CultureInfo.InvariantCulture)).Select(v => v.ToString()));
            Assert.Equal(4, stub.GetField("FeatureCount")!.GetRawConstantValue());
            Assert.Equal(2, stub.GetField("ClassCount")!.GetRawConstantValue());

            // Nothing was trained: every method throws.
            var predict = stub.GetMethod("Predict")!;
            var thrown = Assert.Throws<TargetInvocationException>(() => predict.Invoke(null, new[] { Activator.CreateInstance(features) }));
            var inner = Assert.IsType<InvalidOperationException>(thrown.InnerException);
            Assert.Equal("build the project to compile the model", inner.Message);
            var parse = stub.GetMethod("ParseProtocolType")!;
            Assert.IsType<InvalidOperationException>(Assert.Throws<TargetInvocationException>(() => parse.Invoke(null, new object?[] { "tcp" })).InnerException);
        }

        [Fact]
        public void Class_members_follow_the_real_stubs_naming_rules()
        {
            const string spec = """
                { "name": "m", "features": ["x"],
                  "data": { "classes": { "TCP": ["a"], "tcp": "b", "Class": [1, 2], "to string": "*", "3 way": ["c"] } } }
                """;
            string text = Placeholder(spec);
            var expected = StubNames.ClassMembers(new[] { "TCP", "tcp", "Class", "to string", "3 way" }.Select(n => new ClassInfo { Name = n }).ToList());
            Assert.Equal(new[] { "Tcp_0", "Tcp_1", "Class_2", "ToString_3", "_3Way" }, expected);
            for (int i = 0; i < expected.Count; i++)
                Assert.Contains($"{expected[i]} = {i},", text, StringComparison.Ordinal);
            Assert.Contains("public static partial class M\n", text, StringComparison.Ordinal);
            Assert.Empty(GeneratorHarness.Compile(false, text).diagnostics);
        }

        [Fact]
        public void Without_declared_classes_the_Class_enum_is_empty()
        {
            string text = Placeholder("""{ "name": "Detector", "features": [{ "name": "len", "type": "integer" }], "data": { "label": "y" } }""");
            Assert.Contains("public enum Class\n        {\n        }", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ClassCount", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ClassNames", text, StringComparison.Ordinal);
            Assert.Contains("public long Len;", text, StringComparison.Ordinal);
            Assert.Empty(GeneratorHarness.Compile(false, text, "class U { static Test.App.Detector.Class C(Test.App.Detector.Features f) => Test.App.Detector.Predict(in f); }").diagnostics);
        }

        [Fact]
        public void The_full_stub_wins_when_the_model_file_is_present()
        {
            var model = TestModels.TwoClass(); // "Anomaly Detector", like Spec
            string full = GeneratorHarness.Generate(model);
            foreach (bool designTime in new[] { true, false })
            {
                var result = Run(Spec, ModelFileJson.Serialize(model), designTime);
                Assert.Empty(result.Diagnostics);
                var source = Assert.Single(result.GeneratedSources);
                Assert.Equal("AnomalyDetector.g.cs", source.HintName);
                Assert.Equal(full, source.SourceText.ToString());
                Assert.DoesNotContain("PLACEHOLDER", source.SourceText.ToString(), StringComparison.Ordinal);
            }

            // An unreadable model file is reported, and still no placeholder hides it.
            var broken = Run(Spec, "{ not json", designTime: true);
            Assert.Equal("HMC8002", Assert.Single(broken.Diagnostics).Id);
            Assert.Empty(broken.GeneratedSources);
        }

        [Fact]
        public void Real_build_without_model_file_is_error_HMC8006_and_no_placeholder()
        {
            var result = Run(Spec, null, designTime: false);
            Assert.Empty(result.GeneratedSources);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8006", diagnostic.Id);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.Equal(SpecPath, diagnostic.Location.GetLineSpan().Path);
            string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
            Assert.Contains(ModelPath, message, StringComparison.Ordinal);
            Assert.Contains(SpecPath, message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Without_a_model_file_item_the_hspec_reports_the_missing_model_file(bool designTime)
        {
            // The SDK leaves a missing model file off csc's command line (CS2001 would stop csc before the generator).
            var driver = GeneratorHarness.CreateDriver(Options(designTime), new TestAdditionalText(SpecPath, Spec));
            var result = driver.RunGenerators(GeneratorHarness.EmptyCompilation()).GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal(designTime ? "HMC8001" : "HMC8006", diagnostic.Id);
            Assert.Equal(designTime ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.Equal(SpecPath, diagnostic.Location.GetLineSpan().Path);
            Assert.Contains(ModelPath, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            if (designTime)
                Assert.Contains("PLACEHOLDER", Assert.Single(result.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
            else
                Assert.Empty(result.GeneratedSources);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("{ not json")]
        [InlineData("[1, 2]")]
        [InlineData("""{ "features": ["x"] }""")]
        [InlineData("""{ "name": 5, "features": ["x"] }""")]
        [InlineData("""{ "name": "m", "features": "x" }""")]
        [InlineData("""{ "name": "m", "features": [] }""")]
        [InlineData("""{ "name": "m", "features": [{ "type": "integer" }] }""")]
        [InlineData("""{ "name": "m", "features": [{ "name": "x", "type": "bogus" }] }""")]
        [InlineData("""{ "name": "m", "features": ["x"], "data": { "classes": ["a", "b"] } }""")]
        [InlineData("""{ "name": "m", "features": ["x"], "data": { "classes": { "a": { "b": 1 } } } }""")]
        [InlineData("""{ "name": "m", "name": "n", "features": ["x"] }""")]
        [InlineData("""{ "name": "m", "features": ["a b", "a_b"] }""")]
        [InlineData("""{ "name": "m", "features": ["features"] }""")]
        [InlineData("""{ "name": "Predict", "features": ["x"] }""")]
        [InlineData("""{ "name": "m", "features": [{ "name": "predict", "type": "categorical" }] }""")]
        public void A_hspec_the_generator_cannot_read_gets_no_placeholder_and_no_exception(string? spec)
        {
            var result = Run(spec, null, designTime: true);
            Assert.Empty(result.GeneratedSources);
            // Only the model file's warning; the compiler reports what is wrong with the .hspec.
            Assert.Equal("HMC8001", Assert.Single(result.Diagnostics).Id);
        }

        [Fact]
        public void Hspec_items_without_the_metadata_are_ignored()
        {
            var options = new TestOptionsProvider(
                new Dictionary<string, string> { ["build_property.RootNamespace"] = "Test.App", ["build_property.DesignTimeBuild"] = "true" },
                new Dictionary<string, IDictionary<string, string>>());
            var driver = GeneratorHarness.CreateDriver(options, new TestAdditionalText(SpecPath, Spec));
            var result = driver.RunGenerators(GeneratorHarness.EmptyCompilation()).GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            Assert.Empty(result.GeneratedSources);
            Assert.Empty(result.Diagnostics);
        }

        [Fact]
        public void Placeholder_is_cached_while_the_hspec_is_unchanged_and_replaced_when_the_model_appears()
        {
            var model = new TestAdditionalText(ModelPath, null);
            var spec = new TestAdditionalText(SpecPath, Spec);
            var compilation = GeneratorHarness.EmptyCompilation(false, "class User { }");
            var driver = GeneratorHarness.CreateDriver(Options(designTime: true), model, spec);
            driver = driver.RunGenerators(compilation);
            string first = Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources).SourceText.ToString();

            // Same inputs; then an unrelated edit of user code.
            driver = driver.RunGenerators(compilation);
            AssertPlaceholderCached(driver.GetRunResult().Results.Single());
            var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText("class User { int x; }", GeneratorHarness.ParseOptions));
            driver = driver.RunGenerators(edited);
            AssertPlaceholderCached(driver.GetRunResult().Results.Single());

            // The same .hspec text in a new AdditionalText object (the IDE re-read the file).
            var same = new TestAdditionalText(SpecPath, Spec);
            driver = driver.ReplaceAdditionalText(spec, same).RunGenerators(edited);
            var rerun = driver.GetRunResult().Results.Single();
            Assert.All(rerun.TrackedSteps[ModelStubGenerator.PlaceholderSteps.SpecOutline].SelectMany(s => s.Outputs), o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
            AssertPlaceholderCached(rerun, outlineMayRerun: true);

            // A comment added to the .hspec: a new text, the same outline, so the placeholder step stays cached.
            var commented = new TestAdditionalText(SpecPath, "// edited\n" + Spec);
            driver = driver.ReplaceAdditionalText(same, commented).RunGenerators(edited);
            var afterComment = driver.GetRunResult().Results.Single();
            Assert.All(afterComment.TrackedSteps[ModelStubGenerator.PlaceholderSteps.SpecOutline].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
            AssertPlaceholderCached(afterComment, outlineMayRerun: true);

            // A new feature changes the placeholder.
            var grown = new TestAdditionalText(SpecPath, Spec.Replace("\"duration\"", "\"duration\", \"hot\"", StringComparison.Ordinal));
            driver = driver.ReplaceAdditionalText(commented, grown).RunGenerators(edited);
            var changed = driver.GetRunResult().Results.Single();
            Assert.Contains(changed.TrackedSteps[ModelStubGenerator.PlaceholderSteps.Placeholder].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
            Assert.All(changed.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
            string second = Assert.Single(changed.GeneratedSources).SourceText.ToString();
            Assert.NotEqual(first, second);
            Assert.Contains("public double Hot;", second, StringComparison.Ordinal);

            // The full build wrote the model file: the real stub replaces the placeholder, and the warning goes.
            var json = ModelFileJson.Serialize(TestModels.TwoClass());
            driver = driver.ReplaceAdditionalText(model, new TestAdditionalText(ModelPath, json)).RunGenerators(edited);
            var built = driver.GetRunResult().Results.Single();
            Assert.Empty(built.Diagnostics);
            Assert.Equal(GeneratorHarness.Generate(TestModels.TwoClass()), Assert.Single(built.GeneratedSources).SourceText.ToString());
        }

        private static void AssertPlaceholderCached(GeneratorRunResult result, bool outlineMayRerun = false)
        {
            Assert.Null(result.Exception);
            if (!outlineMayRerun)
                Assert.All(result.TrackedSteps[ModelStubGenerator.PlaceholderSteps.SpecOutline].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
            Assert.All(result.TrackedSteps[ModelStubGenerator.PlaceholderSteps.Placeholder].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
            Assert.All(result.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
            Assert.Single(result.GeneratedSources);
        }
    }
}
