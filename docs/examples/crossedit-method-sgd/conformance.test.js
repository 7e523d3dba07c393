import { describeMethodConformance } from '@crossedit/testing';
import sgd from './index.js';

describeMethodConformance(sgd);
