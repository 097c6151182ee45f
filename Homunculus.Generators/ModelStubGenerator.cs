using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Newtonsoft.Json;
using HmcDescriptor = Homunculus.Model.Diagnostics.DiagnosticDescriptor;
using HmcSeverity = Homunculus.Model.Diagnostics.DiagnosticSeverity;

namespace Homunculus.Generators
{
    /// <summary>
    /// Model file (an AdditionalFiles item with metadata HomunculusModel=true) -> C# inference stub
    /// (docs/csharp-stub.md). Only equatable values flow through the pipeline; problems become
    /// diagnostics (HMC8001 missing in a design-time build, HMC8006 missing in a real build, HMC8002
    /// unreadable, HMC8010 not convertible), never exceptions. In design-time builds, a .hspec whose model
    /// file is missing gets a placeholder stub (ModelStubGenerator.Placeholders.cs).
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class ModelStubGenerator : IIncrementalGenerator
    {
        public const string ModelMetadata = "build_metadata.AdditionalFiles.HomunculusModel";
        public const string SpecMetadata = "build_metadata.AdditionalFiles.HomunculusSpec";
        public const string RootNamespaceProperty = "build_property.RootNamespace";

        /// <summary>Tracking names of the pipeline steps (for TrackIncrementalGeneratorSteps).</summary>
        public static class Steps
        {
            public const string ModelText = "HomunculusModelText";
            public const string ParsedModel = "HomunculusParsedModel";
            public const string Stub = "HomunculusStub";
            public const string AllStubs = "HomunculusAllStubs";
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var rootNamespace = context.AnalyzerConfigOptionsProvider
                .Select(static (options, _) =>
                    options.GlobalOptions.TryGetValue(RootNamespaceProperty, out var ns) ? ns ?? "" : "");

            var modelTexts = context.AdditionalTextsProvider
                .Combine(context.AnalyzerConfigOptionsProvider)
                .Select(static (pair, ct) => ReadModelText(pair.Left, pair.Right, ct))
                .Where(static input => input is not null)
                .Select(static (input, _) => input!)
                .WithTrackingName(Steps.ModelText);

            var designTime = DesignTimeBuild(context);

            var parsed = modelTexts
                .Combine(designTime)
                .Select(static (pair, ct) => Parse(pair.Left, pair.Right, ct))
                .WithTrackingName(Steps.ParsedModel);

            var stubs = parsed
                .Combine(rootNamespace)
                .Select(static (pair, ct) => Generate(pair.Left, pair.Right, ct))
                .WithTrackingName(Steps.Stub);

            var all = stubs.Collect().WithTrackingName(Steps.AllStubs);

            var placeholders = Placeholders(context, modelTexts, designTime, rootNamespace).Collect();

            context.RegisterSourceOutput(all.Combine(placeholders), static (spc, results) => Output(spc, results.Left, results.Right));
        }

        private static ModelText? ReadModelText(AdditionalText file, AnalyzerConfigOptionsProvider provider, CancellationToken ct)
        {
            var options = provider.GetOptions(file);
            if (!options.TryGetValue(ModelMetadata, out var flag) || !string.Equals(flag?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
                return null;
            options.TryGetValue(SpecMetadata, out var spec);
            string? text;
            try
            {
                text = file.GetText(ct)?.ToString();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                text = null;
            }
            return new ModelText(file.Path ?? "", string.IsNullOrWhiteSpace(spec) ? null : spec!.Trim(), text);
        }

        private static ParsedModel Parse(ModelText input, bool designTime, CancellationToken ct)
        {
            string specShown = input.SpecPath ?? "the .hspec";
            if (input.Text is null)
            {
                // Design-time builds never compile: a warning (and a placeholder from the .hspec). A real build
                // should have written the model file: an error, not a silent stub.
                var missing = designTime ? DiagnosticCatalog.ModelFileMissing : DiagnosticCatalog.ModelFileNotBuilt;
                return new ParsedModel(input.Path, null, Diagnostics(Diagnostic(missing, input.SpecPath ?? input.Path, 0, 0, input.Path, specShown)));
            }
            try
            {
                ct.ThrowIfCancellationRequested();
                var model = ModelFileJson.Deserialize(input.Text);
                var problems = StubModelCheck.Problems(model);
                if (problems.Count > 0)
                {
                    var diagnostics = problems
                        .Select(p => Diagnostic(StubUnsupported, input.Path, 0, 0, input.Path, p))
                        .ToEquatableArray();
                    return new ParsedModel(input.Path, null, diagnostics);
                }
                return new ParsedModel(input.Path, model, EquatableArray<DiagnosticInfo>.Empty);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                int line = 0, column = 0;
                if (ex is JsonReaderException reader)
                {
                    line = reader.LineNumber;
                    column = reader.LinePosition;
                }
                else if (ex is JsonSerializationException serialization)
                {
                    line = serialization.LineNumber;
                    column = serialization.LinePosition;
                }
                return new ParsedModel(input.Path, null, Diagnostics(Diagnostic(DiagnosticCatalog.ModelFileInvalid, input.Path, line, column, input.Path, OneLine(ex.Message))));
            }
        }

        private static StubSource Generate(ParsedModel parsed, string rootNamespace, CancellationToken ct)
        {
            if (parsed.Model is null) return new StubSource(parsed.Path, "", "", parsed.Diagnostics);
            try
            {
                ct.ThrowIfCancellationRequested();
                string typeName = StubNames.TypeName(parsed.Model);
                string source = CSharpStubEmitter.Emit(parsed.Model, rootNamespace);
                return new StubSource(parsed.Path, typeName, source, parsed.Diagnostics);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new StubSource(parsed.Path, "", "", Diagnostics(Diagnostic(StubUnsupported, parsed.Path, 0, 0, parsed.Path, OneLine(ex.GetType().Name + ": " + ex.Message))));
            }
        }

        private static void Output(SourceProductionContext context, ImmutableArray<StubSource> stubs, ImmutableArray<StubSource> placeholders)
        {
            // Deterministic order whatever order the host lists the files in; model files before placeholders.
            var used = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            int realCount = stubs.Length;
            var results = Merge(stubs, placeholders);
            for (int i = 0; i < results.Length; i++)
            {
                var result = results[i];
                if (i >= realCount)
                {
                    // A .hspec's result: diagnostics (missing model file), then its placeholder, which never
                    // competes with a real stub or another placeholder of the same type name.
                    foreach (var diagnostic in result.Diagnostics) context.ReportDiagnostic(ToRoslyn(diagnostic));
                    if (result.Source.Length == 0 || used.ContainsKey(result.TypeName + ".g.cs")) continue;
                    used[result.TypeName + ".g.cs"] = result.Path;
                    context.AddSource(result.TypeName + ".g.cs", SourceText.From(result.Source, System.Text.Encoding.UTF8));
                    continue;
                }
                foreach (var diagnostic in result.Diagnostics) context.ReportDiagnostic(ToRoslyn(diagnostic));
                if (result.Source.Length == 0) continue;
                string hintName = result.TypeName + ".g.cs";
                if (used.TryGetValue(hintName, out var firstPath))
                {
                    context.ReportDiagnostic(ToRoslyn(Diagnostic(StubUnsupported, result.Path, 0, 0, result.Path,
                        $"another model file ({firstPath}) already defines the type '{result.TypeName}'; rename one model")));
                    continue;
                }
                used[hintName] = result.Path;
                context.AddSource(hintName, SourceText.From(result.Source, System.Text.Encoding.UTF8));
            }
        }

        /// <summary>HMC8010, declared in the shared catalogue.</summary>
        private static HmcDescriptor StubUnsupported => DiagnosticCatalog.ModelStubUnsupported;

        private static EquatableArray<DiagnosticInfo> Diagnostics(params DiagnosticInfo[] items) => new EquatableArray<DiagnosticInfo>(items);

        private static DiagnosticInfo Diagnostic(HmcDescriptor descriptor, string path, int line, int column, params string[] args) =>
            new DiagnosticInfo(descriptor.Code, path, line, column, args.ToEquatableArray());

        private static string OneLine(string text) => text.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');

        /// <summary>Roslyn descriptors of the catalogue entries this generator reports (and only those).</summary>
        private static readonly Microsoft.CodeAnalysis.DiagnosticDescriptor[] Descriptors =
            new[] { DiagnosticCatalog.ModelFileMissing, DiagnosticCatalog.ModelFileNotBuilt, DiagnosticCatalog.ModelFileInvalid, DiagnosticCatalog.ModelStubUnsupported }
                .Select(d => new Microsoft.CodeAnalysis.DiagnosticDescriptor(
                    d.Code,
                    d.Title,
                    d.MessageFormat,
                    "Homunculus",
                    d.Severity == HmcSeverity.Error ? Microsoft.CodeAnalysis.DiagnosticSeverity.Error : Microsoft.CodeAnalysis.DiagnosticSeverity.Warning,
                    isEnabledByDefault: true))
                .ToArray();

        private static Diagnostic ToRoslyn(DiagnosticInfo info)
        {
            var descriptor = Descriptors.First(d => d.Id == info.Code);
            Location location = Location.None;
            if (info.Path.Length > 0)
            {
                var position = new LinePosition(Math.Max(0, info.Line - 1), Math.Max(0, info.Column - 1));
                location = Location.Create(info.Path, default, new LinePositionSpan(position, position));
            }
            return Microsoft.CodeAnalysis.Diagnostic.Create(descriptor, location, info.Args.Cast<object>().ToArray());
        }
    }

    /// <summary>A model file's path, its .hspec (metadata) and its text (null when it could not be read).</summary>
    internal sealed record ModelText(string Path, string? SpecPath, string? Text);

    /// <summary>A model file parsed and checked (Model null when it cannot be turned into C#).</summary>
    internal sealed record ParsedModel(string Path, ModelFile? Model, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>The stub of one model file (Source empty when there is none) and its diagnostics.</summary>
    internal sealed record StubSource(string Path, string TypeName, string Source, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>A diagnostic as equatable data: catalogue code, file, 1-based line and column (0 = unknown), arguments.</summary>
    internal sealed record DiagnosticInfo(string Code, string Path, int Line, int Column, EquatableArray<string> Args);
}
