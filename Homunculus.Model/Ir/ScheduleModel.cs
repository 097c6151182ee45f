using System;
using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Model.Ir
{
    /// <summary>
    /// Several models on one switch (docs/schedule.md): the model file's <see cref="ModelFile.Features"/> are the
    /// shared extraction (one feature header, one parser, one flow table), and each <see cref="ScheduledModel"/>
    /// reads some of them and decides its own classes. A model with <see cref="ScheduledModel.After"/> runs only
    /// for packets its earlier model decided (and, with <see cref="ScheduledModel.When"/>, put in one of those
    /// classes); with <see cref="ScheduledModel.Input"/> it also reads that model's class. The file's own
    /// <see cref="ModelFile.Classes"/> are empty: every model has its own.
    /// </summary>
    public sealed record ScheduleModel : ModelNode
    {
        public const string KindName = "schedule";

        public override string Kind => KindName;

        /// <summary>In schedule order: a model's <see cref="ScheduledModel.After"/> is always an earlier one.</summary>
        public EquatableArray<ScheduledModel> Models { get; init; } = EquatableArray<ScheduledModel>.Empty;

        public int IndexOf(string name)
        {
            for (int i = 0; i < Models.Count; i++)
                if (string.Equals(Models[i].Name, name, StringComparison.Ordinal)) return i;
            return -1;
        }

        /// <summary>Index of the model <paramref name="model"/> runs after, or -1 when it runs for every packet.</summary>
        public int AfterIndex(ScheduledModel model) => model.After is { } after ? IndexOf(after) : -1;

        /// <summary>
        /// Depth of each model in the schedule: 0 without <see cref="ScheduledModel.After"/>, else one more than its
        /// earlier model's. Models of one depth are independent of each other (the cost models let them run side by side).
        /// </summary>
        public IReadOnlyList<int> Depths()
        {
            var depths = new int[Models.Count];
            for (int i = 0; i < Models.Count; i++)
            {
                int after = AfterIndex(Models[i]);
                depths[i] = after < 0 || after >= i ? 0 : depths[after] + 1;
            }
            return depths;
        }
    }

    /// <summary>One model of a <see cref="ScheduleModel"/>.</summary>
    public sealed record ScheduledModel
    {
        /// <summary>The name as written in the .hspec (not yet an identifier).</summary>
        public string Name { get; init; } = "";

        /// <summary>The .hspec algorithm that produced the model.</summary>
        public string Algorithm { get; init; } = "";

        /// <summary>
        /// The model's features, as indices into the file's features, in the model's own order: the model's feature
        /// i is the file's feature <c>Features[i]</c>. With <see cref="Input"/>, the model has one more feature after
        /// these: the class of <see cref="After"/> (<see cref="Schedules.ClassInput"/>).
        /// </summary>
        public EquatableArray<int> Features { get; init; } = EquatableArray<int>.Empty;

        public EquatableArray<ClassInfo> Classes { get; init; } = EquatableArray<ClassInfo>.Empty;

        /// <summary>The trained model, over the model's own features (a network or trees).</summary>
        public ModelNode Model { get; init; } = new MlpModel();

        /// <summary>The model this one runs after (an earlier one), or null (absent): it runs for every packet.</summary>
        public string? After { get; init; }

        /// <summary>Classes of <see cref="After"/>: the model runs only for packets the earlier model put in one of them; empty: whatever the class.</summary>
        public EquatableArray<int> When { get; init; } = EquatableArray<int>.Empty;

        /// <summary>True when the model reads <see cref="After"/>'s class as its last feature.</summary>
        public bool Input { get; init; }
    }

    /// <summary>Views of a scheduled model as a model file of its own, and the consistency rules of a schedule.</summary>
    public static class Schedules
    {
        /// <summary>The schedule of a model file, or null for a single-model file.</summary>
        public static ScheduleModel? Of(ModelFile file) => file.Model as ScheduleModel;

        /// <summary>The models of a file, each as the model file it would be alone (a single-model file: itself).</summary>
        public static IReadOnlyList<ModelFile> Views(ModelFile file) =>
            Of(file) is { } schedule ? Enumerable.Range(0, schedule.Models.Count).Select(i => View(file, i)).ToList() : new[] { file };

        /// <summary>
        /// Model <paramref name="index"/> as a model file of its own: its features (the shared ones it reads, then the
        /// class input), its classes and its model; name, .hspec, platform and flow settings from <paramref name="file"/>.
        /// Every emitter lowers a scheduled model through its view, so one lowering serves both kinds of file.
        /// </summary>
        public static ModelFile View(ModelFile file, int index)
        {
            var schedule = Of(file) ?? throw new ArgumentException("the model file has no schedule", nameof(file));
            var model = schedule.Models[index];
            var features = model.Features.Select(f => file.Features[f]).ToList();
            if (model.Input) features.Add(ClassInput(schedule.Models[schedule.AfterIndex(model)]));
            return file with
            {
                Name = model.Name,
                Algorithm = model.Algorithm,
                Features = features.ToEquatableArray(),
                Classes = model.Classes,
                Model = model.Model,
            };
        }

        /// <summary>
        /// The feature a model with <see cref="ScheduledModel.Input"/> reads: the earlier model's class index, as a
        /// categorical feature whose categories are that model's classes in class order (code = class index; never
        /// the unknown code, since a model runs only when its earlier model decided).
        /// </summary>
        public static FeatureEncoding ClassInput(ScheduledModel earlier)
        {
            int codes = earlier.Classes.Count;
            int bits = 1;
            while (bits < 31 && (1L << bits) <= codes) bits++;
            return new FeatureEncoding
            {
                Name = ClassInputName(earlier.Name),
                Kind = FeatureKind.Categorical,
                Bits = bits,
                Max = (1L << bits) - 1,
                Categories = earlier.Classes.Select(c => c.Name).ToEquatableArray(),
            };
        }

        /// <summary>The name of the class input of a model that reads <paramref name="earlier"/>'s class.</summary>
        public static string ClassInputName(string earlier) => earlier + " class";

        /// <summary>What is inconsistent in a schedule (empty when nothing): names, feature indices, the order, the classes of <c>when</c>.</summary>
        public static IReadOnlyList<string> Problems(ModelFile file)
        {
            var problems = new List<string>();
            if (Of(file) is not { } schedule) return problems;
            if (schedule.Models.Count == 0) problems.Add("the schedule has no models");
            if (file.Classes.Count != 0) problems.Add("a schedule's model file has no classes of its own");
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < schedule.Models.Count; i++)
            {
                var m = schedule.Models[i];
                if (!names.Add(m.Name)) problems.Add($"two models are named '{m.Name}'");
                if (m.Model is ScheduleModel) problems.Add($"model '{m.Name}' is itself a schedule");
                if (m.Classes.Count == 0) problems.Add($"model '{m.Name}' has no classes");
                foreach (int f in m.Features)
                    if (f < 0 || f >= file.Features.Count) problems.Add($"model '{m.Name}' reads feature {f}, but the file has {file.Features.Count}");
                if (m.Features.Distinct().Count() != m.Features.Count) problems.Add($"model '{m.Name}' lists a feature twice");
                int after = schedule.AfterIndex(m);
                if (m.After is null)
                {
                    if (m.When.Count > 0 || m.Input) problems.Add($"model '{m.Name}' has 'when' or 'input' but runs after no model");
                    continue;
                }
                if (after < 0 || after >= i)
                {
                    problems.Add($"model '{m.Name}' runs after '{m.After}', which is not an earlier model of the schedule");
                    continue;
                }
                foreach (int c in m.When)
                    if (c < 0 || c >= schedule.Models[after].Classes.Count) problems.Add($"model '{m.Name}' runs when '{m.After}' decides class {c}, which it does not have");
            }
            return problems;
        }
    }
}
