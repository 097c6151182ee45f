using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Generators
{
    /// <summary>
    /// What a model file must satisfy before a stub is emitted for it: a kind the stub supports, consistent
    /// layer shapes, sorted categories (the encoder's binary search relies on it) and names that compile.
    /// </summary>
    public static class StubModelCheck
    {
        public static IReadOnlyList<string> Problems(ModelFile model)
        {
            if (Schedules.Of(model) is { } schedule)
            {
                // A schedule: its own consistency, each model as a model of its own (its class input is not a
                // feature of the stub's Features, so its categories, in class order, are not checked), and the names.
                var scheduleProblems = Schedules.Problems(model).ToList();
                if (model.Features.Count == 0) scheduleProblems.Add("the schedule has no features");
                if (scheduleProblems.Count > 0) return scheduleProblems;
                scheduleProblems.AddRange(Categories(model));
                for (int m = 0; m < schedule.Models.Count; m++)
                    scheduleProblems.AddRange(Shapes(Schedules.View(model, m)).Select(p => $"model '{schedule.Models[m].Name}': {p}"));
                scheduleProblems.AddRange(StubNames.Conflicts(model));
                return scheduleProblems;
            }
            var problems = new List<string>();
            if (model.Features.Count == 0) problems.Add("the model has no features");
            if (model.Classes.Count == 0) problems.Add("the model has no classes");
            problems.AddRange(Categories(model));
            problems.AddRange(Shapes(model));
            problems.AddRange(StubNames.Conflicts(model));
            return problems;
        }

        private static IEnumerable<string> Categories(ModelFile model)
        {
            var problems = new List<string>();
            for (int f = 0; f < model.Features.Count; f++)
            {
                var feature = model.Features[f];
                if (feature.Kind != FeatureKind.Categorical) continue;
                for (int c = 1; c < feature.Categories.Count; c++)
                {
                    if (string.CompareOrdinal(feature.Categories[c - 1], feature.Categories[c]) >= 0)
                    {
                        problems.Add($"the categories of feature '{feature.Name}' are not in strictly ascending ordinal order");
                        break;
                    }
                }
            }

            return problems;
        }

        private static IEnumerable<string> Shapes(ModelFile model)
        {
            var problems = new List<string>();
            if (model.Model is MlpModel mlp)
            {
                int width = mlp.Inputs.Count;
                for (int i = 0; i < mlp.Inputs.Count; i++)
                {
                    var input = mlp.Inputs[i];
                    if (input.Feature < 0 || input.Feature >= model.Features.Count)
                        problems.Add(Invariant($"input {i} reads feature {input.Feature}, but the model has {model.Features.Count} features"));
                    if (input.Transform != InputTransform.Identity && input.Transform != InputTransform.Log2Compand && input.Transform != InputTransform.OneHot && input.Transform != InputTransform.Square)
                        problems.Add(Invariant($"input {i} has an unknown transform ({(int)input.Transform})"));
                    else if (input.Transform == InputTransform.Square && input.Base != InputTransform.Identity && input.Base != InputTransform.Log2Compand)
                        problems.Add(Invariant($"input {i} squares a value of transform {input.Base}; only Identity and Log2Compand values can be squared"));
                }
                for (int l = 0; l < mlp.Layers.Count; l++)
                {
                    var layer = mlp.Layers[l];
                    if (layer.Inputs != width)
                        problems.Add(Invariant($"layer {l} takes {layer.Inputs} inputs, but {width} values reach it"));
                    if (layer.Outputs < 0 || layer.Inputs < 0 || layer.Weights.Count != (long)layer.Inputs * layer.Outputs)
                        problems.Add(Invariant($"layer {l} has {layer.Weights.Count} weights, expected {layer.Inputs} x {layer.Outputs}"));
                    if (layer.Biases.Count != layer.Outputs)
                        problems.Add(Invariant($"layer {l} has {layer.Biases.Count} biases, expected {layer.Outputs}"));
                    if (layer.Activation != Activation.None && layer.Activation != Activation.Relu)
                        problems.Add(Invariant($"layer {l} has an unknown activation ({(int)layer.Activation})"));
                    width = layer.Outputs;
                }
                if (mlp.OutputClasses.Count > 0)
                {
                    if (problems.Count == 0 && mlp.OutputClasses.Count != width)
                        problems.Add(Invariant($"the last layer has {width} outputs, but {mlp.OutputClasses.Count} output classes are listed"));
                    for (int j = 0; j < mlp.OutputClasses.Count; j++)
                    {
                        int cls = mlp.OutputClasses[j];
                        if (cls < 0 || cls >= model.Classes.Count)
                            problems.Add(Invariant($"output {j} maps to class {cls}, but the model has {model.Classes.Count} classes"));
                    }
                }
                else if (problems.Count == 0 && width != model.Classes.Count)
                    problems.Add(Invariant($"the last layer has {width} outputs, but the model has {model.Classes.Count} classes"));
            }
            else if (model.Model is TreeEnsembleModel trees)
            {
                problems.AddRange(Model.Interpretation.TreeInterpreter.Problems(trees, model.Features.Count, model.Classes.Count));
            }
            else
            {
                problems.Add($"model kind '{model.Model.Kind}' has no C# stub");
            }
            return problems;
        }

        private static string Invariant(System.FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
