using System;
using System.Collections.Generic;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Interpretation
{
    /// <summary>
    /// What a model file computes, written plainly: the definition every generated program (C#, P4,
    /// Spatial) must agree with bit for bit.
    /// </summary>
    public static class ReferenceInterpreter
    {
        /// <summary>The class index for one row of encoded features (in model-file feature order).</summary>
        public static int Predict(ModelFile model, IReadOnlyList<long> encoded)
        {
            if (encoded.Count != model.Features.Count)
                throw new ArgumentException($"expected {model.Features.Count} encoded features, got {encoded.Count}");
            return PredictNode(model.Model, encoded);
        }

        private static int PredictNode(ModelNode node, IReadOnlyList<long> encoded) => node switch
        {
            MlpModel mlp => PredictMlp(mlp, encoded),
            TreeEnsembleModel trees => TreeInterpreter.Predict(trees, encoded),
            ScheduleModel => throw new NotSupportedException("a schedule decides one class per model: use Decide"),
            _ => throw new NotSupportedException($"model kind '{node.Kind}' has no interpreter"),
        };

        /// <summary>The class of a model that did not run for the row (<see cref="Decide"/>).</summary>
        public const int NotRun = -1;

        /// <summary>
        /// The combined decision of a model file for one row of encoded features (in file feature order): per model
        /// of a schedule (docs/schedule.md), in schedule order, its class index, or <see cref="NotRun"/> when the
        /// model it runs after did not run or decided a class outside its <c>when</c>; a single-model file gives
        /// its one class.
        /// </summary>
        public static int[] Decide(ModelFile model, IReadOnlyList<long> encoded)
        {
            if (Schedules.Of(model) is not { } schedule) return new[] { Predict(model, encoded) };
            if (encoded.Count != model.Features.Count)
                throw new ArgumentException($"expected {model.Features.Count} encoded features, got {encoded.Count}");
            var classes = new int[schedule.Models.Count];
            for (int m = 0; m < classes.Length; m++)
            {
                var scheduled = schedule.Models[m];
                int after = schedule.AfterIndex(scheduled);
                int earlier = after < 0 ? 0 : classes[after];
                if (after >= 0 && (earlier == NotRun || scheduled.When.Count > 0 && !Contains(scheduled.When, earlier)))
                {
                    classes[m] = NotRun;
                    continue;
                }
                var row = new long[scheduled.Features.Count + (scheduled.Input ? 1 : 0)];
                for (int i = 0; i < scheduled.Features.Count; i++) row[i] = encoded[scheduled.Features[i]];
                if (scheduled.Input) row[row.Length - 1] = earlier;
                classes[m] = PredictNode(scheduled.Model, row);
            }
            return classes;
        }

        private static bool Contains(EquatableArray<int> values, int value)
        {
            foreach (int v in values)
                if (v == value) return true;
            return false;
        }

        /// <summary>The integer inputs of the first layer.</summary>
        public static int[] MlpInputs(MlpModel mlp, IReadOnlyList<long> encoded)
        {
            var x = new int[mlp.Inputs.Count];
            for (int i = 0; i < x.Length; i++)
            {
                var input = mlp.Inputs[i];
                long v = encoded[input.Feature];
                x[i] = input.Transform switch
                {
                    InputTransform.OneHot => v == input.Code ? 1 : 0,
                    InputTransform.Square => Square(Transform(input.Base, v)),
                    _ => Transform(input.Transform, v),
                };
            }
            return x;
        }

        private static int Transform(InputTransform transform, long v) => transform switch
        {
            InputTransform.Identity => (int)v,
            InputTransform.Log2Compand => Compand.Apply((uint)v),
            _ => throw new NotSupportedException(transform.ToString()),
        };

        private static int Square(int v) => unchecked(v * v);

        /// <summary>The raw output accumulators (logits in integer units) of the last layer.</summary>
        public static int[] MlpOutputs(MlpModel mlp, IReadOnlyList<long> encoded)
        {
            int[] x = MlpInputs(mlp, encoded);
            foreach (var layer in mlp.Layers)
            {
                var y = new int[layer.Outputs];
                for (int j = 0; j < layer.Outputs; j++)
                {
                    int acc = layer.Biases[j];
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        acc = unchecked(acc + layer.Weights[j * layer.Inputs + i] * x[i]);
                    }
                    y[j] = Activate(layer, acc);
                }
                x = y;
            }
            return x;
        }

        /// <summary>ReLU, arithmetic shift, clamp; identity for the output layer.</summary>
        public static int Activate(DenseLayer layer, int acc)
        {
            if (layer.Activation == Activation.None) return acc;
            if (acc < 0) acc = 0;
            acc >>= layer.Shift;
            return acc > layer.ClampMax ? layer.ClampMax : acc;
        }

        private static int PredictMlp(MlpModel mlp, IReadOnlyList<long> encoded) => mlp.ClassOfOutput(ArgMax(MlpOutputs(mlp, encoded)));

        /// <summary>Index of the largest value; the lowest index wins ties.</summary>
        public static int ArgMax(IReadOnlyList<int> values)
        {
            int best = 0;
            for (int j = 1; j < values.Count; j++)
            {
                if (values[j] > values[best]) best = j;
            }
            return best;
        }
    }
}
