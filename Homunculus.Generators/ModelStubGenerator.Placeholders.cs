using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Homunculus.Generators
{
    /// <summary>
    /// The placeholder half of the generator (docs/csharp-stub.md, "Before the first build"): the SDK also
    /// passes every .hspec as an AdditionalFiles item (metadata HomunculusSpecFile=true, HomunculusModelFile =
    /// the full path of its predicted model file). When that model file has no text and the build is a
    /// design-time build (<c>build_property.DesignTimeBuild</c> = true), the .hspec alone gives a placeholder
    /// stub with the same types. Never in a real build: there a missing model file is HMC8006 (see Parse).
    /// </summary>
    public sealed partial class ModelStubGenerator
    {
        public const string SpecFileMetadata = "build_metadata.AdditionalFiles.HomunculusSpecFile";
        public const string ModelFileMetadata = "build_metadata.AdditionalFiles.HomunculusModelFile";
        public const string DesignTimeBuildProperty = "build_property.DesignTimeBuild";

        /// <summary>Tracking names of the placeholder steps.</summary>
        public static class PlaceholderSteps
        {
            public const string SpecText = "HomunculusSpecText";
            public const string SpecOutline = "HomunculusSpecOutline";
            public const string BuiltModels = "HomunculusBuiltModels";
            public const string Placeholder = "HomunculusPlaceholder";
        }

        private static IncrementalValueProvider<bool> DesignTimeBuild(IncrementalGeneratorInitializationContext context) =>
            context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
                options.GlobalOptions.TryGetValue(DesignTimeBuildProperty, out var value)
                && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase));

        /// <summary>One placeholder result per .hspec item (Source empty when none is due).</summary>
        private static IncrementalValuesProvider<StubSource> Placeholders(
            IncrementalGeneratorInitializationContext context,
            IncrementalValuesProvider<ModelText> modelTexts,
            IncrementalValueProvider<bool> designTime,
            IncrementalValueProvider<string> rootNamespace)
        {
            var specTexts = context.AdditionalTextsProvider
                .Combine(context.AnalyzerConfigOptionsProvider)
                .Select(static (pair, ct) => ReadSpecText(pair.Left, pair.Right, ct))
                .Where(static spec => spec is not null)
                .Select(static (spec, _) => spec!)
                .WithTrackingName(PlaceholderSteps.SpecText);

            var outlines = specTexts
                .Select(static (spec, ct) =>
                {
                    ct.ThrowIfCancellationRequested();
                    var model = spec.Text is null ? null : HSpecOutline.Read(spec.Text, FileName(spec.Path));
                    return new SpecOutline(spec.Path, spec.ModelPath, model);
                })
                .WithTrackingName(PlaceholderSteps.SpecOutline);

            // The model file items, as keys both ways (model path, and the .hspec it names). A .hspec whose model
            // file has text gets the full stub, never the placeholder; one whose model file item exists without
            // text gets HMC8001/HMC8006 from the model pipeline. The SDK drops missing model files from csc's
            // command line (csc would stop at CS2001), so without an item the .hspec side reports it.
            var built = modelTexts
                .Select(static (m, _) => (m.Text is null ? "" : "m:" + PathKey(m.Path) + "\n" + (m.SpecPath is null ? "" : "s:" + PathKey(m.SpecPath) + "\n"))
                    + "M:" + PathKey(m.Path) + (m.SpecPath is null ? "" : "\nS:" + PathKey(m.SpecPath)))
                .Collect()
                .Select(static (keys, _) => keys.SelectMany(k => k.Split('\n')).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToEquatableArray())
                .WithTrackingName(PlaceholderSteps.BuiltModels);

            return outlines
                .Combine(built)
                .Combine(designTime)
                .Combine(rootNamespace)
                .Select(static (input, ct) => Placeholder(input.Left.Left.Left, input.Left.Left.Right, input.Left.Right, input.Right, ct))
                .WithTrackingName(PlaceholderSteps.Placeholder);
        }

        private static SpecText? ReadSpecText(AdditionalText file, AnalyzerConfigOptionsProvider provider, CancellationToken ct)
        {
            var options = provider.GetOptions(file);
            if (!options.TryGetValue(SpecFileMetadata, out var flag) || !string.Equals(flag?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
                return null;
            options.TryGetValue(ModelFileMetadata, out var modelPath);
            string? text;
            try
            {
                text = file.GetText(ct)?.ToString();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                text = null;
            }
            return new SpecText(file.Path ?? "", string.IsNullOrWhiteSpace(modelPath) ? null : modelPath!.Trim(), text);
        }

        private static StubSource Placeholder(SpecOutline outline, EquatableArray<string> built, bool designTime, string rootNamespace, CancellationToken ct)
        {
            bool Has(string kind, string? path) => path != null && built.Contains(kind + PathKey(path));
            var none = new StubSource(outline.Path, "", "", EquatableArray<DiagnosticInfo>.Empty);
            if (Has("s:", outline.Path) || Has("m:", outline.ModelPath)) return none; // the model file wins
            if (!Has("S:", outline.Path) && !Has("M:", outline.ModelPath))
            {
                // No model file item at all: the missing model file is reported here, at the .hspec.
                var missing = designTime ? DiagnosticCatalog.ModelFileMissing : DiagnosticCatalog.ModelFileNotBuilt;
                string modelShown = outline.ModelPath ?? "of " + FileName(outline.Path);
                none = new StubSource(outline.Path, "", "", new EquatableArray<DiagnosticInfo>(new[]
                {
                    new DiagnosticInfo(missing.Code, outline.Path, 0, 0, new EquatableArray<string>(new[] { modelShown, outline.Path })),
                }));
            }
            if (!designTime || outline.Model is null) return none;
            try
            {
                ct.ThrowIfCancellationRequested();
                string typeName = Homunculus.Model.Naming.StubNames.TypeName(outline.Model.AsModelFile());
                return new StubSource(outline.Path, typeName, PlaceholderStubEmitter.Emit(outline.Model, rootNamespace), none.Diagnostics);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A placeholder is a convenience: when it cannot be written, the IDE shows the types after a build.
                return none;
            }
        }

        /// <summary>Paths compared as the same file whatever the separators and case (Windows and macOS ignore case).</summary>
        private static string PathKey(string path) => path.Replace('\\', '/').ToUpperInvariant();

        private static string FileName(string path)
        {
            int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
            return slash < 0 ? path : path.Substring(slash + 1);
        }

        /// <summary>Real stubs first (a model file always wins), then the .hspec results; each list in path order.</summary>
        private static ImmutableArray<StubSource> Merge(ImmutableArray<StubSource> stubs, ImmutableArray<StubSource> placeholders) =>
            stubs.OrderBy(r => r.Path, StringComparer.Ordinal)
                .Concat(placeholders.Where(p => p.Source.Length > 0 || p.Diagnostics.Count > 0).OrderBy(r => r.Path, StringComparer.Ordinal))
                .ToImmutableArray();
    }

    /// <summary>A .hspec item: its path, the full path of its predicted model file (metadata), its text (null when unreadable).</summary>
    internal sealed record SpecText(string Path, string? ModelPath, string? Text);

    /// <summary>A .hspec's outline (Model null when the generator cannot read it: no placeholder).</summary>
    internal sealed record SpecOutline(string Path, string? ModelPath, PlaceholderModel? Model);
}
