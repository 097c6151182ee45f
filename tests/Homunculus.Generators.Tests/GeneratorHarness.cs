using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using Homunculus.Model.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Homunculus.Generators.Tests
{
    /// <summary>An additional file whose text may be missing (GetText returns null, as for a path that does not exist).</summary>
    public sealed class TestAdditionalText : AdditionalText
    {
        private readonly string? _text;

        public TestAdditionalText(string path, string? text)
        {
            Path = path;
            _text = text;
        }

        public override string Path { get; }

        public override SourceText? GetText(CancellationToken cancellationToken = default) =>
            _text is null ? null : SourceText.From(_text);
    }

    public sealed class TestOptions : AnalyzerConfigOptions
    {
        private readonly ImmutableDictionary<string, string> _values;

        public TestOptions(IEnumerable<KeyValuePair<string, string>> values) =>
            _values = values.ToImmutableDictionary(KeyComparer);

        public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
    }

    /// <summary>Global options (build_property.*) and per-file options keyed by path, like the SDK's generated editorconfig.</summary>
    public sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
    {
        private readonly Dictionary<string, AnalyzerConfigOptions> _files;
        private static readonly AnalyzerConfigOptions Empty = new TestOptions(Array.Empty<KeyValuePair<string, string>>());

        public TestOptionsProvider(IDictionary<string, string> global, IDictionary<string, IDictionary<string, string>> files)
        {
            GlobalOptions = new TestOptions(global);
            _files = files.ToDictionary(kv => kv.Key, kv => (AnalyzerConfigOptions)new TestOptions(kv.Value));
        }

        public override AnalyzerConfigOptions GlobalOptions { get; }

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            _files.TryGetValue(textFile.Path, out var options) ? options : Empty;
    }

    public static class GeneratorHarness
    {
        public const string SpecPath = "/src/app/anomaly.hspec";

        public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

        private static readonly Lazy<MetadataReference[]> References = new Lazy<MetadataReference[]>(() =>
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(System.IO.Path.PathSeparator)
                .Where(p => System.IO.Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || System.IO.Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToArray());

        public static Dictionary<string, string> ModelMetadata(string spec = SpecPath) => new Dictionary<string, string>
        {
            ["build_metadata.AdditionalFiles.HomunculusModel"] = "true",
            ["build_metadata.AdditionalFiles.HomunculusSpec"] = spec,
        };

        public static TestOptionsProvider Options(string rootNamespace, params (string path, IDictionary<string, string> metadata)[] files) =>
            new TestOptionsProvider(
                new Dictionary<string, string> { ["build_property.RootNamespace"] = rootNamespace },
                files.ToDictionary(f => f.path, f => f.metadata));

        public static CSharpCompilation EmptyCompilation(bool checkOverflow = false, params string[] sources) =>
            CSharpCompilation.Create(
                "Stub" + Guid.NewGuid().ToString("N"),
                sources.Select(s => CSharpSyntaxTree.ParseText(s, ParseOptions)),
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, checkOverflow: checkOverflow, nullableContextOptions: NullableContextOptions.Enable, deterministic: true));

        public static GeneratorDriver CreateDriver(AnalyzerConfigOptionsProvider options, params AdditionalText[] texts) =>
            CSharpGeneratorDriver.Create(
                new[] { new ModelStubGenerator().AsSourceGenerator() },
                texts,
                ParseOptions,
                options,
                new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        /// <summary>Runs the generator over one model file; returns the run result (exceptions surface in it).</summary>
        public static GeneratorRunResult Run(string? modelJson, string rootNamespace = "Test.App", string path = "/obj/homunculus/model.json")
        {
            var text = new TestAdditionalText(path, modelJson);
            var driver = CreateDriver(Options(rootNamespace, (path, ModelMetadata())), text);
            driver = driver.RunGenerators(EmptyCompilation());
            return driver.GetRunResult().Results.Single();
        }

        public static string Generate(ModelFile model, string rootNamespace = "Test.App")
        {
            var result = Run(ModelFileJson.Serialize(model), rootNamespace);
            Assert.Null(result.Exception);
            Assert.Empty(result.Diagnostics);
            return result.GeneratedSources.Single().SourceText.ToString();
        }

        /// <summary>Compiles sources; fails the test on any error or warning of the generated files.</summary>
        public static (CSharpCompilation compilation, ImmutableArray<Diagnostic> diagnostics) Compile(bool checkOverflow, params string[] sources)
        {
            var compilation = EmptyCompilation(checkOverflow, sources);
            var diagnostics = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
            return (compilation, diagnostics);
        }

        public static Assembly Load(CSharpCompilation compilation)
        {
            using var stream = new MemoryStream();
            var emit = compilation.Emit(stream);
            Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
            stream.Position = 0;
            var context = new AssemblyLoadContext("stub" + Guid.NewGuid().ToString("N"), isCollectible: true);
            return context.LoadFromStream(stream);
        }
    }
}
