using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Homunculus.Generators.Tests
{
    public class GeneratorTests
    {
        private const string ModelPath = "/src/app/obj/homunculus/AnomalyDetector/AnomalyDetector.model.json";

        [Fact]
        public void Output_is_cached_when_nothing_relevant_changes_and_modified_when_the_model_changes()
        {
            var model = TestModels.TwoClass();
            var text = new TestAdditionalText(ModelPath, ModelFileJson.Serialize(model));
            var unrelated = new TestAdditionalText("/src/app/notes.txt", "hello");
            var options = GeneratorHarness.Options("Test.App", (ModelPath, GeneratorHarness.ModelMetadata()));
            var compilation = GeneratorHarness.EmptyCompilation(false, "class User { }");
            var driver = GeneratorHarness.CreateDriver(options, text, unrelated);

            driver = driver.RunGenerators(compilation);
            var first = driver.GetRunResult().Results.Single();
            Assert.Null(first.Exception);
            Assert.Single(first.GeneratedSources);
            Assert.Equal("AnomalyDetector.g.cs", first.GeneratedSources[0].HintName);

            // Same inputs again.
            driver = driver.RunGenerators(compilation);
            AssertCached(driver.GetRunResult().Results.Single());

            // An unrelated edit to user code.
            var tree = compilation.SyntaxTrees.Single();
            var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText("class User { int x; }", GeneratorHarness.ParseOptions));
            driver = driver.RunGenerators(edited);
            AssertCached(driver.GetRunResult().Results.Single());

            // The same model text in a new AdditionalText object (a rebuild that wrote identical bytes).
            var same = new TestAdditionalText(ModelPath, ModelFileJson.Serialize(model));
            driver = driver.ReplaceAdditionalText(text, same);
            driver = driver.RunGenerators(edited);
            var rerun = driver.GetRunResult().Results.Single();
            Assert.All(rerun.TrackedSteps[ModelStubGenerator.Steps.Stub].SelectMany(s => s.Outputs), o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
            Assert.All(rerun.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));

            // A retrained model.
            var retrained = model with { CompilerVersion = "0.2.0" };
            driver = driver.ReplaceAdditionalText(same, new TestAdditionalText(ModelPath, ModelFileJson.Serialize(retrained)));
            driver = driver.RunGenerators(edited);
            var changed = driver.GetRunResult().Results.Single();
            Assert.Contains(changed.TrackedSteps[ModelStubGenerator.Steps.Stub].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
            Assert.All(changed.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
            Assert.Contains("0.2.0", changed.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
        }

        private static void AssertCached(GeneratorRunResult result)
        {
            Assert.Null(result.Exception);
            Assert.All(result.TrackedSteps[ModelStubGenerator.Steps.Stub].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
            Assert.All(result.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
            Assert.Single(result.GeneratedSources);
        }

        [Fact]
        public void Pipeline_values_are_equatable()
        {
            // Two parses of the same text must compare equal, or nothing downstream could be cached.
            var json = ModelFileJson.Serialize(TestModels.ThreeClass());
            Assert.Equal(ModelFileJson.Deserialize(json), ModelFileJson.Deserialize(json));
            Assert.Equal(ModelFileJson.Deserialize(json).GetHashCode(), ModelFileJson.Deserialize(json).GetHashCode());
        }

        [Fact]
        public void Missing_model_text_in_a_real_build_is_error_HMC8006_without_source()
        {
            // No build_property.DesignTimeBuild: a real build, which should have compiled the .hspec.
            // (Design-time builds: HMC8001 and a placeholder, PlaceholderStubTests.)
            var result = GeneratorHarness.Run(null);
            Assert.Null(result.Exception);
            Assert.Empty(result.GeneratedSources);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8006", diagnostic.Id);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
            Assert.Contains("/obj/homunculus/model.json", message, StringComparison.Ordinal);
            Assert.Contains(GeneratorHarness.SpecPath, message, StringComparison.Ordinal);
            Assert.Equal(GeneratorHarness.SpecPath, diagnostic.Location.GetLineSpan().Path);
        }

        [Theory]
        [InlineData("{ not json")]
        [InlineData("")]
        [InlineData("[1, 2, 3]")]
        [InlineData("{\"formatVersion\": 99}")]
        [InlineData("{\"formatVersion\": 1, \"features\": 5}")]
        public void Unreadable_model_text_is_error_HMC8002(string json)
        {
            var result = GeneratorHarness.Run(json);
            Assert.Null(result.Exception);
            Assert.Empty(result.GeneratedSources);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8002", diagnostic.Id);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        }

        [Fact]
        public void Broken_json_points_at_the_line()
        {
            var result = GeneratorHarness.Run("{\n  \"name\": \"x\",\n  oops\n}");
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8002", diagnostic.Id);
            // Json.NET notices the missing ':' at the '}' on line 4 (0-based 3): the location is the reader's.
            Assert.Equal(3, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        }

        [Fact]
        public void Model_that_cannot_become_csharp_is_error_HMC8010()
        {
            var model = TestModels.TwoClass();
            var collided = model with
            {
                Features = model.Features.Select((f, i) => i == 1 ? f with { Name = "SRC bytes" } : f).ToEquatableArray(),
            };
            var result = GeneratorHarness.Run(ModelFileJson.Serialize(collided));
            Assert.Null(result.Exception);
            Assert.Empty(result.GeneratedSources);
            Assert.Equal("HMC8010", Assert.Single(result.Diagnostics).Id);

            var badShape = model with { Model = ((MlpModel)model.Model) with { Layers = ((MlpModel)model.Model).Layers.Take(2).ToEquatableArray() } };
            result = GeneratorHarness.Run(ModelFileJson.Serialize(badShape));
            Assert.Equal("HMC8010", Assert.Single(result.Diagnostics).Id);

            var unsorted = model with
            {
                Features = model.Features.Select((f, i) => i == 2 ? f with { Categories = EquatableArray.From("udp", "tcp", "icmp") } : f).ToEquatableArray(),
            };
            result = GeneratorHarness.Run(ModelFileJson.Serialize(unsorted));
            Assert.Equal("HMC8010", Assert.Single(result.Diagnostics).Id);

            var reserved = model with
            {
                Features = model.Features.Select((f, i) => i == 2 ? f with { Name = "predict" } : f).ToEquatableArray(),
            };
            result = GeneratorHarness.Run(ModelFileJson.Serialize(reserved));
            Assert.Equal("HMC8010", Assert.Single(result.Diagnostics).Id);
        }

        [Fact]
        public void Files_without_the_model_metadata_are_ignored()
        {
            var text = new TestAdditionalText("/src/app/other.json", "{ not a model");
            var options = GeneratorHarness.Options("Test.App", ("/src/app/other.json", new Dictionary<string, string> { ["build_metadata.AdditionalFiles.HomunculusModel"] = "false" }));
            var driver = GeneratorHarness.CreateDriver(options, text).RunGenerators(GeneratorHarness.EmptyCompilation());
            var result = driver.GetRunResult().Results.Single();
            Assert.Empty(result.Diagnostics);
            Assert.Empty(result.GeneratedSources);
        }

        [Fact]
        public void Two_models_with_the_same_type_name_report_instead_of_throwing()
        {
            var json = ModelFileJson.Serialize(TestModels.TwoClass());
            var a = new TestAdditionalText("/a/model.json", json);
            var b = new TestAdditionalText("/b/model.json", json);
            var options = GeneratorHarness.Options("Test.App", ("/a/model.json", GeneratorHarness.ModelMetadata()), ("/b/model.json", GeneratorHarness.ModelMetadata()));
            var result = GeneratorHarness.CreateDriver(options, b, a).RunGenerators(GeneratorHarness.EmptyCompilation()).GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            Assert.Single(result.GeneratedSources);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("HMC8010", diagnostic.Id);
            Assert.Equal("/b/model.json", diagnostic.Location.GetLineSpan().Path);
        }

        [Fact]
        public void Generated_source_starts_with_the_header()
        {
            string source = GeneratorHarness.Generate(TestModels.TwoClass());
            var lines = source.Split('\n');
            Assert.Equal("// <auto-generated>", lines[0]);
            Assert.Equal("// Generated by Homunculus.Generators from anomaly.hspec (model 'Anomaly Detector', dnn).", lines[1]);
            Assert.StartsWith("// Homunculus compiler 0.1.0-test.", lines[2], StringComparison.Ordinal);
            Assert.Equal("// </auto-generated>", lines[3]);
            Assert.Equal("#nullable enable", lines[4]);
            Assert.DoesNotContain('\r', source);
        }

        [Fact]
        public void Namespace_comes_from_RootNamespace_or_is_global()
        {
            var model = TestModels.TwoClass();
            Assert.Contains("namespace My.App\n{", GeneratorHarness.Generate(model, "My.App"), StringComparison.Ordinal);
            string global = GeneratorHarness.Generate(model, "");
            Assert.DoesNotContain("namespace", global, StringComparison.Ordinal);
            var (_, diagnostics) = GeneratorHarness.Compile(false, global);
            Assert.Empty(diagnostics);
            // A hostile or odd root namespace still compiles.
            string odd = GeneratorHarness.Generate(model, "My-App.class.9Lives");
            Assert.Contains("namespace MyApp.@class._9lives", odd, StringComparison.Ordinal);
            Assert.Empty(GeneratorHarness.Compile(false, odd).diagnostics);
        }

        [Fact]
        public void Output_is_deterministic_across_cultures()
        {
            var model = TestModels.ThreeClass();
            string invariant = WithCulture(CultureInfo.InvariantCulture, () => GeneratorHarness.Generate(model));
            foreach (var name in new[] { "sv-SE", "ar-SA", "tr-TR", "fa-IR" })
            {
                Assert.Equal(invariant, WithCulture(new CultureInfo(name), () => GeneratorHarness.Generate(model)));
            }
        }

        private static T WithCulture<T>(CultureInfo culture, Func<T> action)
        {
            var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
            try
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;
                return action();
            }
            finally
            {
                (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
            }
        }

        public static readonly string[] HostileNames =
        {
            "a\"; System.Environment.Exit(1); //",
            "*/ evil /*",
            "\\u000a",
            "line one\nline two\r\n",
            "class",
            "int",
            "42 answers",
            "<b>&amp;</b>",
            "trailing backslash \\",
            "\u2028para\u2029sep",
            "tab\there",
            "#if false",
            "ümlaut",
            "",
        };

        [Fact]
        public void Hostile_names_compile_and_stay_inside_literals_and_comments()
        {
            var model = HostileModel();
            string source = GeneratorHarness.Generate(model);
            var (compilation, diagnostics) = GeneratorHarness.Compile(false, source);
            Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics) + "\n" + source);

            var tree = compilation.SyntaxTrees.Single();
            var root = tree.GetRoot();
            // No injected statement, directive or block comment.
            Assert.DoesNotContain(root.DescendantTokens(), t => t.IsKind(SyntaxKind.IdentifierToken) && (t.ValueText is "Environment" or "Exit" or "evil"));
            Assert.DoesNotContain(root.DescendantTrivia(), t => t.IsKind(SyntaxKind.MultiLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia));
            Assert.All(root.DescendantTrivia().Where(t => t.IsDirective), t => Assert.True(t.IsKind(SyntaxKind.NullableDirectiveTrivia), t.ToFullString()));
            Assert.All(source, c => Assert.True(c == '\n' || (c >= 0x20 && c < 0x7F), $"non-printable or non-ASCII char U+{(int)c:X4} in output"));
            // Every raw name appears only inside string literals (as escaped literal text) or comments.
            string code = string.Concat(root.DescendantTokens().Where(t => !t.IsKind(SyntaxKind.StringLiteralToken)).Select(t => t.Text + " "));
            foreach (var name in HostileNames.Where(n => n.Length > 4 && !n.All(char.IsLetter)))
            {
                Assert.DoesNotContain(name, code, StringComparison.Ordinal);
            }
            // The literals hold the exact names.
            var literals = root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.StringLiteralToken)).Select(t => t.ValueText).ToHashSet();
            foreach (var name in HostileNames) Assert.Contains(name, literals);

            // And the stub still behaves: run the bit-exactness bridge over it.
            var bridge = BitExactnessTests.CompileWithBridge(model, checkOverflow: false);
            var names = (Func<string[]>)bridge.GetMethod("FeatureNames")!.CreateDelegate(typeof(Func<string[]>));
            Assert.Equal(model.Features.Select(f => f.Name), names());
            var tryGet = (Func<string?, int>)bridge.GetMethod("TryGetClass")!.CreateDelegate(typeof(Func<string?, int>));
            for (int c = 0; c < model.Classes.Count; c++) Assert.Equal(c, tryGet(model.Classes[c].Labels[0]));
        }

        [Fact]
        public void Category_and_class_members_that_collide_get_code_suffixes()
        {
            var model = HostileModel();
            var categorical = model.Features.Single(f => f.Name == "*/ evil /*");
            var members = StubNames.CategoryMembers(categorical);
            Assert.Equal(members.Count, members.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal("Unknown", members[^1]);
            string source = GeneratorHarness.Generate(model);
            Assert.Contains("Tcp_", source, StringComparison.Ordinal); // "tcp" and "TCP"
            Assert.Contains("Unknown_", source, StringComparison.Ordinal); // a category literally named "unknown"
            Assert.Contains("ToString_", source, StringComparison.Ordinal); // would hide Enum.ToString
        }

        /// <summary>Hostile text in every name slot: model, features, categories, classes, labels.</summary>
        private static ModelFile HostileModel()
        {
            var features = new List<FeatureEncoding>();
            foreach (var name in HostileNames.Take(6))
            {
                features.Add(TestModels.Integer(name, 16));
            }
            features[1] = TestModels.Categorical("*/ evil /*", HostileNames.Concat(new[] { "tcp", "TCP", "unknown", "to string", "evil" }).ToArray());
            features[4] = TestModels.Fractional("class", 8, 10, 0, 255);
            features.Add(TestModels.Categorical("#if false", "Equals", "get type", "class"));
            features.Add(TestModels.Integer("42 answers", 8));
            features.Add(TestModels.Integer("\u2028para\u2029sep", 8));
            var inputs = new List<MlpInput>();
            for (int f = 0; f < features.Count; f++)
            {
                if (features[f].Kind == FeatureKind.Categorical)
                {
                    for (int code = 0; code <= features[f].UnknownCode; code += 2) inputs.Add(TestModels.Input(f, InputTransform.OneHot, code));
                }
                else
                {
                    inputs.Add(TestModels.Input(f, InputTransform.Identity));
                }
            }
            var classNames = new[] { "<b>&amp;</b>", "trailing backslash \\", "tab\there", "class", "" };
            var classes = classNames.Select((c, i) => TestModels.Class(c, i == 0, HostileNames[i])).ToList();
            var rng = new Random(3);
            var layers = new[]
            {
                TestModels.Layer(inputs.Count, 3, Enumerable.Range(0, inputs.Count * 3).Select(_ => rng.Next(-50, 50)).ToArray(), new[] { -5, 5, 0 }, Activation.Relu, 1, 100),
                TestModels.Layer(3, classes.Count, Enumerable.Range(0, 3 * classes.Count).Select(_ => rng.Next(-50, 50)).ToArray(), Enumerable.Range(0, classes.Count).Select(_ => rng.Next(-9, 9)).ToArray()),
            };
            return new ModelFile
            {
                Name = "a\"; System.Environment.Exit(1); // */ evil /* \nmodel",
                SpecFile = "evil*/\n\"name\".hspec",
                CompilerVersion = "1.0 \\",
                Features = features.ToEquatableArray(),
                Classes = classes.ToEquatableArray(),
                Model = new MlpModel { Inputs = inputs.ToEquatableArray(), Layers = layers.ToEquatableArray() },
            };
        }
    }
}
