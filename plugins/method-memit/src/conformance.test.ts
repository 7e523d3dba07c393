import { describeMethodConformance } from '@crossedit/testing';
import memit from './index.js';

describeMethodConformance(memit);
